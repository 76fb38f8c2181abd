-- Component-sku demand per order date x sku x channel x ship region, up to the as-of day.
select
    order_date as date,
    sku,
    channel,
    region,
    cast(sum(units) as bigint) as units,
    -- a line has one row per component sku, so rows in a (date, sku, ...) group are distinct lines
    cast(count(*) as bigint) as order_lines,
    sum(revenue) as revenue
from {{ ref('int_demand_components') }}
group by 1, 2, 3, 4
