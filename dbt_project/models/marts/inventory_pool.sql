-- One pool per sku across every stock-holding location (every catalogue sku has a row).
with positions as (

    select
        positions.*,
        locations.fulfils_customers
    from {{ ref('inventory_position') }} as positions
    inner join {{ ref('dim_location') }} as locations
        on positions.location_id = locations.location_id

),

pool_by_sku as (

    select
        sku,
        sum(case when location_type = 'upstream' then on_hand else 0 end) as on_hand_upstream,
        sum(case when location_type = 'fc' then on_hand else 0 end) as on_hand_fc,
        sum(case when location_type = 'warehouse' then on_hand else 0 end) as on_hand_warehouse,
        sum(case when location_type = 'store' then on_hand else 0 end) as on_hand_store,
        sum(on_hand) as on_hand_total,
        sum(inbound) as inbound,
        sum(inbound_planned) as inbound_planned,
        sum(reserved) as reserved,
        sum(unsellable) as unsellable,
        sum(returns_pending) as returns_pending,
        -- one location's oversold units cannot be covered by another's stock: clip per location
        sum(case when fulfils_customers then greatest(available, 0) else 0 end) as sellable,
        sum(case when location_type = 'upstream' then greatest(available, 0) else 0 end)
            as upstream_available
    from positions
    group by sku

)

select
    as_of.as_of,
    skus.sku,
    cast(coalesce(pool_by_sku.on_hand_upstream, 0) as bigint) as on_hand_upstream,
    cast(coalesce(pool_by_sku.on_hand_fc, 0) as bigint) as on_hand_fc,
    cast(coalesce(pool_by_sku.on_hand_warehouse, 0) as bigint) as on_hand_warehouse,
    cast(coalesce(pool_by_sku.on_hand_store, 0) as bigint) as on_hand_store,
    cast(coalesce(pool_by_sku.on_hand_total, 0) as bigint) as on_hand_total,
    cast(coalesce(pool_by_sku.inbound, 0) as bigint) as inbound,
    cast(coalesce(pool_by_sku.inbound_planned, 0) as bigint) as inbound_planned,
    cast(coalesce(pool_by_sku.reserved, 0) as bigint) as reserved,
    cast(coalesce(pool_by_sku.unsellable, 0) as bigint) as unsellable,
    cast(coalesce(pool_by_sku.returns_pending, 0) as bigint) as returns_pending,
    cast(coalesce(pool_by_sku.sellable, 0) as bigint) as sellable,
    cast(coalesce(pool_by_sku.upstream_available, 0) as bigint) as upstream_available
from {{ ref('stg_raw__skus') }} as skus
cross join {{ ref('int_as_of') }} as as_of
left join pool_by_sku
    on skus.sku = pool_by_sku.sku
