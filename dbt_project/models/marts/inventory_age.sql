-- Age of the stock on hand per sku x stock-holding location at the end of the as-of day, in
-- buckets of days since the units arrived there, first-in-first-out (int_inventory_layers).
with layers as (

    select * from {{ ref('int_inventory_layers') }}

),

locations as (

    select location_id, location_type, region, storage_cost_per_unit_month
    from {{ ref('dim_location') }}

),

skus as (

    select sku, unit_cost from {{ ref('dim_sku') }}

),

by_location as (

    select
        as_of,
        sku,
        location_id,
        sum(units) as on_hand,
        sum(case when age_days <= 90 then units else 0 end) as units_0_90,
        sum(case when age_days between 91 and 180 then units else 0 end) as units_91_180,
        sum(case when age_days between 181 and 270 then units else 0 end) as units_181_270,
        sum(case when age_days between 271 and 365 then units else 0 end) as units_271_365,
        sum(case when age_days > 365 then units else 0 end) as units_over_365,
        {{ divide('sum(units * age_days)', 'sum(units)') }} as mean_age_days,
        max(age_days) as oldest_age_days,
        sum(case when layer_source = 'opening' then units else 0 end) as opening_units
    from layers
    group by as_of, sku, location_id

)

select
    by_location.as_of,
    by_location.sku,
    by_location.location_id,
    locations.location_type,
    locations.region,
    cast(by_location.on_hand as bigint) as on_hand,
    cast(by_location.units_0_90 as bigint) as units_0_90,
    cast(by_location.units_91_180 as bigint) as units_91_180,
    cast(by_location.units_181_270 as bigint) as units_181_270,
    cast(by_location.units_271_365 as bigint) as units_271_365,
    cast(by_location.units_over_365 as bigint) as units_over_365,
    {{ round_to('by_location.mean_age_days', 1) }} as mean_age_days,
    by_location.oldest_age_days,
    cast(by_location.opening_units as bigint) as opening_units,
    skus.unit_cost,
    {{ round_to('by_location.on_hand * coalesce(skus.unit_cost, 0)', 2) }} as value_at_cost,
    {{ round_to('(by_location.on_hand - by_location.units_0_90 - by_location.units_91_180)
          * coalesce(skus.unit_cost, 0)', 2) }} as value_over_180_days,
    {{ round_to('by_location.on_hand * coalesce(locations.storage_cost_per_unit_month, 0)', 2) }}
        as storage_cost_per_month
from by_location
inner join locations
    on by_location.location_id = locations.location_id
left join skus
    on by_location.sku = skus.sku
