-- The stock snapshots of the locations that sell to customers, with the units they could sell:
-- one row per snapshot (sku, location, snapshot_date, anchor_at). The one place that says which
-- locations count and what "sellable" is, for marts.fct_daily_stock (SKU-level stockout days) and
-- marts.fct_location_stockouts (per location).
with fulfilling_locations as (

    select location_id
    from {{ ref('dim_location') }}
    where fulfils_customers and location_type <> 'supplier'

)

select
    anchors.sku,
    anchors.location_id,
    anchors.snapshot_date,
    anchors.anchor_at,
    greatest(anchors.quantity - coalesce(anchors.unsellable, 0), 0) as sellable
from {{ ref('int_stock_anchors') }} as anchors
inner join fulfilling_locations
    on anchors.location_id = fulfilling_locations.location_id
where anchors.anchor_type = 'snapshot'
