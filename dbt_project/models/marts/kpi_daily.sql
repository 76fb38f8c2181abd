-- Network KPIs per day for the var('kpi_history_days') days up to the as-of date.
-- Stock figures are at the start of each day, from each sku x location's latest snapshot of the
-- last var('stock_carry_forward_days') days (as fct_daily_stock); older than that it counts
-- nothing, and `locations_reporting` says how many locations counted.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

first_data as (

    -- the table starts on the first day with an order or a snapshot
    select least(
        coalesce((select min(order_date) from {{ ref('int_order_line_components') }}), as_of.as_of),
        coalesce((select min(snapshot_date) from {{ ref('int_stock_anchors') }}), as_of.as_of)
    ) as first_date
    from as_of

),

days as (

    select cast(as_of.as_of - cast(offsets.i as integer) as date) as date
    from as_of
    cross join first_data
    cross join generate_series(0, {{ var('kpi_history_days') - 1 }}) as offsets(i)
    where as_of.as_of - cast(offsets.i as integer) >= first_data.first_date

),

skus as (

    select sku, unit_cost, sku_status from {{ ref('dim_sku') }}

),

stock_locations as (

    select location_id, location_type, coalesce(storage_cost_per_unit_month, 0) as storage_cost_per_unit_month
    from {{ ref('dim_location') }}
    where location_type in {{ sql_value_list(var('stock_location_types')) }}

),

order_lines as (

    select lines.*, coalesce(skus.unit_cost, 0) as unit_cost
    from {{ ref('int_order_line_components') }} as lines
    left join skus
        on lines.sku = skus.sku

),

ordered as (

    -- the fate of the units ordered each day: shipped, cancelled, or still open
    select
        order_date as date,
        sum(units) as units_ordered,
        sum(case when is_shipped then units else 0 end) as units_shipped,
        sum(case when is_cancelled then units else 0 end) as units_cancelled,
        sum(case when is_open then units else 0 end) as units_open
    from order_lines
    group by order_date

),

cost_of_goods as (

    select
        cast(shipped_at as date) as date,
        sum(units * unit_cost) as cogs
    from order_lines
    where is_shipped and shipped_at is not null
    group by 1

),

snapshots as (

    -- each sku x location snapshot counts from its day until the next one, for at most
    -- var('stock_carry_forward_days') days after it
    select
        anchors.sku,
        anchors.location_id,
        anchors.snapshot_date,
        anchors.quantity,
        least(
            coalesce(lead(anchors.snapshot_date) over (
                partition by anchors.sku, anchors.location_id order by anchors.snapshot_date
            ), anchors.snapshot_date + {{ var('stock_carry_forward_days') }} + 1),
            anchors.snapshot_date + {{ var('stock_carry_forward_days') }} + 1
        ) as valid_until
    from {{ ref('int_stock_anchors') }} as anchors
    where anchors.anchor_type = 'snapshot'

),

location_stock as (

    select
        days.date,
        snapshots.location_id,
        stock_locations.location_type,
        snapshots.quantity as units,
        snapshots.quantity * coalesce(skus.unit_cost, 0) as value,
        snapshots.quantity * stock_locations.storage_cost_per_unit_month as storage_per_month
    from days
    inner join snapshots
        on days.date >= snapshots.snapshot_date and days.date < snapshots.valid_until
    inner join stock_locations
        on snapshots.location_id = stock_locations.location_id
    left join skus
        on snapshots.sku = skus.sku

),

stock as (

    select
        date,
        count(distinct location_id) as locations_reporting,
        sum(units) as inventory_units,
        sum(value) as inventory_value,
        sum(case when location_type = 'upstream' then value else 0 end) as inventory_value_upstream,
        sum(case when location_type = 'fc' then value else 0 end) as inventory_value_fc,
        sum(case when location_type = 'warehouse' then value else 0 end) as inventory_value_warehouse,
        sum(case when location_type = 'store' then value else 0 end) as inventory_value_store,
        -- a month is 365/12 days
        sum(storage_per_month) * 12 / 365 as storage_cost
    from location_stock
    group by date

),

shipments as (

    select shipment_lines.*, coalesce(skus.unit_cost, 0) as unit_cost
    from {{ ref('int_shipment_lines') }} as shipment_lines
    left join skus
        on shipment_lines.sku = skus.sku
    where shipment_lines.shipment_status not in ('planned', 'cancelled')
        and shipment_lines.shipped_at is not null

),

in_transit as (

    -- on its way at the start of the day: left before it, not arrived before it
    select
        days.date,
        sum(shipments.quantity) as in_transit_units,
        sum(shipments.quantity * shipments.unit_cost) as in_transit_value
    from days
    inner join shipments
        on cast(shipments.shipped_at as date) < days.date
        and (shipments.arrived_at is null or cast(shipments.arrived_at as date) >= days.date)
    group by days.date

),

demand_days as (

    select date, sku, sum(units) as units from {{ ref('fct_daily_demand') }} group by 1, 2

),

sku_days as (

    select date, sku from {{ ref('fct_daily_stock') }}
    union
    select date, sku from demand_days

),

trailing_demand as (

    select
        sku_days.date,
        sku_days.sku,
        coalesce(sum(demand_days.units) over (
            partition by sku_days.sku
            order by sku_days.date
            range between interval '{{ var('sales_rate_days') }} days' preceding and interval '1 day' preceding
        ), 0) as units_before
    from sku_days
    left join demand_days
        on sku_days.sku = demand_days.sku and sku_days.date = demand_days.date

),

stockouts as (

    -- SKU-days the snapshots describe on which demand was expected: the SKU sold in the
    -- var('sales_rate_days') days before and is not discontinued
    select
        daily_stock.date,
        count(*) as sku_days_demand_expected,
        count(*) filter (where daily_stock.is_stockout) as sku_days_stockout
    from {{ ref('fct_daily_stock') }} as daily_stock
    inner join trailing_demand
        on daily_stock.sku = trailing_demand.sku and daily_stock.date = trailing_demand.date
    inner join skus
        on daily_stock.sku = skus.sku
    where trailing_demand.units_before > 0
        and coalesce(skus.sku_status, 'active') <> 'discontinued'
    group by daily_stock.date

),

daily as (

    select
        days.date,
        cast(coalesce(ordered.units_ordered, 0) as bigint) as units_ordered,
        cast(coalesce(ordered.units_shipped, 0) as bigint) as units_shipped,
        cast(coalesce(ordered.units_cancelled, 0) as bigint) as units_cancelled,
        cast(coalesce(ordered.units_open, 0) as bigint) as units_open,
        coalesce(cost_of_goods.cogs, 0) as cogs,
        coalesce(stock.locations_reporting, 0) as locations_reporting,
        stock.inventory_units,
        stock.inventory_value,
        stock.inventory_value_upstream,
        stock.inventory_value_fc,
        stock.inventory_value_warehouse,
        stock.inventory_value_store,
        cast(coalesce(in_transit.in_transit_units, 0) as bigint) as in_transit_units,
        coalesce(in_transit.in_transit_value, 0) as in_transit_value,
        stock.storage_cost,
        coalesce(stockouts.sku_days_demand_expected, 0) as sku_days_demand_expected,
        coalesce(stockouts.sku_days_stockout, 0) as sku_days_stockout
    from days
    left join ordered on days.date = ordered.date
    left join cost_of_goods on days.date = cost_of_goods.date
    left join stock on days.date = stock.date
    left join in_transit on days.date = in_transit.date
    left join stockouts on days.date = stockouts.date

),

rolling as (

    select
        *,
        sum(cogs) over trailing_window as cogs_window,
        count(*) over trailing_window as days_in_window,
        avg(inventory_value) over trailing_window as mean_inventory_value_window
    from daily
    window trailing_window as (
        order by date rows between {{ var('sales_rate_days') - 1 }} preceding and current row
    )

)

select
    as_of.as_of,
    rolling.date,
    rolling.units_ordered,
    rolling.units_shipped,
    rolling.units_cancelled,
    rolling.units_open,
    -- open lines are not decided yet: they count neither way
    case when rolling.units_ordered - rolling.units_open > 0
        then {{ round_to(divide('rolling.units_shipped', 'rolling.units_ordered - rolling.units_open'), 4) }} end
        as fill_rate,
    {{ round_to('rolling.cogs', 2) }} as cogs,
    rolling.locations_reporting,
    cast(rolling.inventory_units as bigint) as inventory_units,
    {{ round_to('rolling.inventory_value', 2) }} as inventory_value,
    {{ round_to('rolling.inventory_value_upstream', 2) }} as inventory_value_upstream,
    {{ round_to('rolling.inventory_value_fc', 2) }} as inventory_value_fc,
    {{ round_to('rolling.inventory_value_warehouse', 2) }} as inventory_value_warehouse,
    {{ round_to('rolling.inventory_value_store', 2) }} as inventory_value_store,
    rolling.in_transit_units,
    {{ round_to('rolling.in_transit_value', 2) }} as in_transit_value,
    {{ round_to('rolling.storage_cost', 2) }} as storage_cost,
    rolling.sku_days_demand_expected,
    rolling.sku_days_stockout,
    case when rolling.sku_days_demand_expected > 0
        then {{ round_to(divide('rolling.sku_days_stockout', 'rolling.sku_days_demand_expected'), 4) }} end
        as stockout_rate,
    -- trailing var('sales_rate_days') days (fewer at the start of the table), annualised
    case when rolling.mean_inventory_value_window > 0
        then {{ round_to('rolling.cogs_window * 365 / rolling.days_in_window
                   / rolling.mean_inventory_value_window', 3) }} end as inventory_turnover,
    case when rolling.cogs_window > 0
        then {{ round_to('rolling.mean_inventory_value_window * rolling.days_in_window / rolling.cogs_window', 1) }}
        end as days_of_inventory
from rolling
cross join as_of
order by rolling.date
