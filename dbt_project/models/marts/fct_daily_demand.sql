-- Component-sku demand per order date x sku x channel x ship region, up to the as-of day.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

demand_components as (

    select components.*, locations.region as location_region
    from {{ ref('int_order_line_components') }} as components
    cross join as_of
    left join {{ ref('stg_raw__locations') }} as locations
        on components.location_id = locations.location_id
    where not components.is_cancelled
        and components.order_date <= as_of.as_of

)

select
    order_date as date,
    sku,
    channel,
    coalesce(ship_region, location_region, 'unknown') as region,
    cast(sum(units) as bigint) as units,
    -- a line has one row per component sku, so rows in a (date, sku, ...) group are distinct lines
    cast(count(*) as bigint) as order_lines,
    sum(revenue) as revenue
from demand_components
group by 1, 2, 3, 4
