-- available is derived, never clipped: negative values (oversold) must survive.
select *
from {{ ref('inventory_position') }}
where available <> on_hand - reserved - unsellable
