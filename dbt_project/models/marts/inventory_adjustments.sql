-- Each stock count up to the end of the as-of day against the system quantity just before it.
with counts as (

    select sku, location_id, anchor_at as counted_at, quantity as counted_quantity, reason, counted_by
    from {{ ref('int_stock_anchors') }}
    where anchor_type = 'count'

),

system_quantities as (

    select sku, location_id, moment_at as counted_at, on_hand as system_quantity
    from {{ ref('int_stock_on_hand_at_moments') }}
    where moment_type = 'count'

),

variances as (

    select
        counts.counted_at,
        counts.location_id,
        counts.sku,
        counts.counted_quantity,
        system_quantities.system_quantity,
        counts.counted_quantity - system_quantities.system_quantity as variance,
        counts.reason,
        counts.counted_by
    from counts
    inner join system_quantities
        on counts.sku = system_quantities.sku
        and counts.location_id = system_quantities.location_id
        and counts.counted_at = system_quantities.counted_at

)

select
    variances.counted_at,
    variances.location_id,
    variances.sku,
    cast(variances.counted_quantity as bigint) as counted_quantity,
    cast(variances.system_quantity as bigint) as system_quantity,
    cast(variances.variance as bigint) as variance,
    -- a fraction of the system quantity (-0.25 = 25 % fewer units than the system expected)
    cast(variances.variance as double precision) / nullif(variances.system_quantity, 0) as variance_pct,
    variances.variance * skus.unit_cost as variance_value,
    variances.reason,
    variances.counted_by
from variances
left join {{ ref('stg_raw__skus') }} as skus
    on variances.sku = skus.sku
