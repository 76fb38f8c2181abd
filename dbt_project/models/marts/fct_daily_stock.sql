-- Sellable stock per SKU at the start of each day its snapshots describe, across every location
-- that sells to customers: what the forecast needs to tell "no demand" from "nothing to sell".
-- A location that sent no snapshot that day counts with its latest snapshot of the last
-- `stock_carry_forward_days` days (many sellers send some locations less often); older than that
-- it is unknown and counts nothing. Days on which no location reported are absent: a day without
-- data is not a stockout.
with fulfilling_locations as (

    select location_id
    from {{ ref('dim_location') }}
    where fulfils_customers and location_type <> 'supplier'

),

snapshots as (

    select
        anchors.sku,
        anchors.location_id,
        anchors.snapshot_date,
        greatest(anchors.quantity - coalesce(anchors.unsellable, 0), 0) as sellable
    from {{ ref('int_stock_anchors') }} as anchors
    inner join fulfilling_locations
        on anchors.location_id = fulfilling_locations.location_id
    where anchors.anchor_type = 'snapshot'

),

reporting_days as (

    select distinct sku, snapshot_date as date from snapshots

),

sku_locations as (

    select distinct sku, location_id from snapshots

),

grid as (

    select reporting_days.sku, reporting_days.date, sku_locations.location_id
    from reporting_days
    inner join sku_locations
        on reporting_days.sku = sku_locations.sku

),

latest_dates as (

    -- a location's snapshot days are all reporting days of the sku, so they are all in the grid:
    -- its latest snapshot on or before each grid day is a running max over the grid
    select
        grid.sku,
        grid.date,
        grid.location_id,
        max(snapshots.snapshot_date) over (
            partition by grid.sku, grid.location_id
            order by grid.date
            rows between unbounded preceding and current row
        ) as snapshot_date
    from grid
    left join snapshots
        on grid.sku = snapshots.sku
        and grid.location_id = snapshots.location_id
        and grid.date = snapshots.snapshot_date

),

latest_known as (

    select
        latest_dates.sku,
        latest_dates.date,
        latest_dates.location_id,
        latest_dates.snapshot_date,
        snapshots.sellable
    from latest_dates
    left join snapshots
        on latest_dates.sku = snapshots.sku
        and latest_dates.location_id = snapshots.location_id
        and latest_dates.snapshot_date = snapshots.snapshot_date

),

counted as (

    select
        *,
        case
            when date - snapshot_date <= {{ var('stock_carry_forward_days') }} then sellable
            else 0
        end as counted_sellable
    from latest_known

)

select
    date,
    sku,
    count(*) filter (where snapshot_date = date) as locations_reporting,
    cast(sum(counted_sellable) as bigint) as sellable_units,
    sum(counted_sellable) = 0 as is_stockout
from counted
group by date, sku
