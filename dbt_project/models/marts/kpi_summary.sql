-- The KPIs of the as-of date, one row per figure and scope: flows over the period of
-- kpi_daily (var('kpi_history_days') days up to the as-of date), stock at the end of the as-of
-- day (inventory_position, in_transit, int_sku_supply).
with as_of as (

    -- the period starts where kpi_daily starts (its window, or the first day with data)
    select
        as_of.as_of,
        coalesce((select min(date) from {{ ref('kpi_daily') }}), as_of.as_of) as period_start
    from {{ ref('int_as_of') }} as as_of

),

daily as (

    select * from {{ ref('kpi_daily') }}

),

period as (

    select
        sum(cogs) as cogs,
        avg(inventory_value) as mean_inventory_value,
        count(*) as days,
        sum(units_shipped) as units_shipped,
        sum(units_ordered - units_open) as units_decided,
        sum(sku_days_stockout) as sku_days_stockout,
        sum(sku_days_demand_expected) as sku_days_demand_expected,
        sum(storage_cost) as storage_cost
    from daily

),

positions as (

    select
        positions.location_type,
        positions.on_hand,
        coalesce(skus.unit_cost, 0) as unit_cost,
        coalesce(locations.storage_cost_per_unit_month, 0) as storage_cost_per_unit_month
    from {{ ref('inventory_position') }} as positions
    left join {{ ref('dim_sku') }} as skus
        on positions.sku = skus.sku
    left join {{ ref('dim_location') }} as locations
        on positions.location_id = locations.location_id

),

stock_by_type as (

    select
        location_type as scope,
        sum(on_hand * unit_cost) as inventory_value,
        sum(on_hand * storage_cost_per_unit_month) as storage_cost_per_month
    from positions
    group by location_type

),

supply as (

    select
        sum(excess_units) as excess_units,
        sum(excess_units * coalesce(unit_cost, 0)) as excess_value
    from {{ ref('int_sku_supply') }}

),

in_transit as (

    select sum(value) as in_transit_value
    from {{ ref('in_transit') }}
    where status <> 'planned'

),

figures as (

    select
        'inventory_turnover' as kpi, 'network' as scope,
        case when mean_inventory_value > 0 then cogs * 365 / days / mean_inventory_value end as value,
        'turns/year' as unit, 'period' as basis,
        'cost of goods shipped over the period, annualised, / mean daily inventory value at cost' as definition
    from period
    union all
    select
        'days_of_inventory', 'network',
        case when cogs > 0 then mean_inventory_value * days / cogs end,
        'days', 'period', '365 / inventory_turnover'
    from period
    union all
    select
        'fill_rate', 'network',
        case when units_decided > 0 then {{ divide('units_shipped', 'units_decided') }} end,
        'share', 'period',
        'units shipped / units ordered on the same lines (lines still open left out)'
    from period
    union all
    select
        'stockout_rate', 'network',
        case when sku_days_demand_expected > 0
            then {{ divide('sku_days_stockout', 'sku_days_demand_expected') }} end,
        'share', 'period',
        'SKU-days without sellable stock / SKU-days with expected demand (sold in the '
        || {{ var('sales_rate_days') }} || ' days before)'
    from period
    union all
    select 'cost_of_goods_sold', 'network', cogs, 'currency', 'period',
        'units shipped to customers x unit cost'
    from period
    union all
    select 'storage_cost', 'network', storage_cost, 'currency', 'period',
        'sum over days of units held x location storage cost per unit-month x 12 / 365'
    from period
    union all
    select 'excess_units', 'network', excess_units, 'units', 'as_of',
        'units held above ' || {{ var('excess_days_of_inventory') }} || ' days of supply at the mean daily '
        || 'units ordered over the last ' || {{ var('sales_rate_days') }} || ' days'
    from supply
    union all
    select 'excess_value', 'network', excess_value, 'currency', 'as_of', 'excess_units x unit cost'
    from supply
    union all
    select 'inventory_value', scope, inventory_value, 'currency', 'as_of', 'on hand x unit cost'
    from stock_by_type
    union all
    select 'inventory_value', 'network', sum(inventory_value), 'currency', 'as_of', 'on hand x unit cost'
    from stock_by_type
    union all
    select 'in_transit_value', 'network', coalesce(in_transit_value, 0), 'currency', 'as_of',
        'units on shipments in transit, at port or in customs x unit cost'
    from in_transit
    union all
    select 'storage_cost_per_month', scope, storage_cost_per_month, 'currency/month', 'as_of',
        'on hand x location storage cost per unit-month'
    from stock_by_type
    union all
    select 'storage_cost_per_month', 'network', sum(storage_cost_per_month), 'currency/month', 'as_of',
        'on hand x location storage cost per unit-month'
    from stock_by_type

)

select
    as_of.as_of,
    figures.kpi,
    figures.scope,
    {{ round_to('cast(figures.value as double precision)', 4) }} as value,
    figures.unit,
    case when figures.basis = 'period' then as_of.period_start else as_of.as_of end as period_start,
    as_of.as_of as period_end,
    figures.definition
from figures
cross join as_of
