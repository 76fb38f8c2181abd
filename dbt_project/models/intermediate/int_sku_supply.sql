-- Days of inventory per SKU at the end of the as-of day: units held anywhere (on hand at every
-- stock-holding location) against the mean daily units ordered over the last
-- var('sales_rate_days') days, and the same for the units at selling locations only (fulfilment
-- centres, the seller's warehouse, stores: where storage fees and ageing bite; upstream
-- distribution warehouses are the replenishment buffer). Read by the health score (long-term
-- storage risk, scope in health.excess_scope) and the KPIs (excess units): the rule lives here.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

sales as (

    select
        demand.sku,
        sum(demand.units) as units_sold
    from {{ ref('fct_daily_demand') }} as demand
    cross join as_of
    where demand.date > as_of.as_of - {{ var('sales_rate_days') }}
        and demand.date <= as_of.as_of
    group by demand.sku

),

supply as (

    select
        pool.as_of,
        pool.sku,
        pool.on_hand_total as on_hand,
        pool.on_hand_fc + pool.on_hand_warehouse + pool.on_hand_store as on_hand_selling,
        cast(coalesce(sales.units_sold, 0) as bigint) as units_sold,
        {{ divide('coalesce(sales.units_sold, 0)', var('sales_rate_days')) }} as daily_sales_rate
    from {{ ref('inventory_pool') }} as pool
    left join sales
        on pool.sku = sales.sku

)

select
    supply.as_of,
    supply.sku,
    supply.on_hand,
    supply.units_sold,
    {{ var('sales_rate_days') }} as sales_rate_days,
    {{ round_to('supply.daily_sales_rate', 4) }} as daily_sales_rate,
    -- NULL when nothing sold: held units then never run down at this rate
    case when supply.daily_sales_rate > 0 then {{ round_to('supply.on_hand / supply.daily_sales_rate', 1) }} end
        as days_of_inventory,
    cast(greatest(
        supply.on_hand - ceil({{ var('excess_days_of_inventory') }} * supply.daily_sales_rate), 0
    ) as bigint) as excess_units,
    supply.on_hand_selling,
    case when supply.daily_sales_rate > 0 then {{ round_to('supply.on_hand_selling / supply.daily_sales_rate', 1) }} end
        as days_of_inventory_selling,
    cast(greatest(
        supply.on_hand_selling - ceil({{ var('excess_days_of_inventory') }} * supply.daily_sales_rate), 0
    ) as bigint) as excess_units_selling,
    skus.unit_cost
from supply
left join {{ ref('dim_sku') }} as skus
    on supply.sku = skus.sku
