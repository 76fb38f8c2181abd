-- Order-line components that count as demand up to the as-of day, with the region the demand
-- belongs to and the location that fulfils it: the one place the demand region is decided
-- (marts.fct_daily_demand sums it; replenishment splits regional forecasts by location with it).
with as_of as (

    select * from {{ ref('int_as_of') }}

)

select
    components.order_id,
    components.line_id,
    components.sku,
    components.order_date,
    components.channel,
    coalesce(components.ship_region, locations.region, 'unknown') as region,
    components.location_id,
    components.units,
    components.revenue
from {{ ref('int_order_line_components') }} as components
cross join as_of
left join {{ ref('stg_raw__locations') }} as locations
    on components.location_id = locations.location_id
where not components.is_cancelled
    and components.order_date <= as_of.as_of
