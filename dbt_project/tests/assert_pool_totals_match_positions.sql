{{ config(meta={"dagster": {"ref": {"name": "inventory_pool"}}}) }}
-- The pool is the positions summed: no units appear or vanish between the two marts.
with position_totals as (

    select sku, sum(on_hand) as on_hand, sum(reserved) as reserved, sum(inbound) as inbound
    from {{ ref('inventory_position') }}
    group by sku

)

select pool.sku
from {{ ref('inventory_pool') }} as pool
left join position_totals
    on pool.sku = position_totals.sku
where pool.on_hand_total <> coalesce(position_totals.on_hand, 0)
    or pool.reserved <> coalesce(position_totals.reserved, 0)
    or pool.inbound <> coalesce(position_totals.inbound, 0)
    or pool.on_hand_total <> pool.on_hand_upstream + pool.on_hand_fc + pool.on_hand_warehouse
        + pool.on_hand_store
