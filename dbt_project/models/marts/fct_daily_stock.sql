-- Sellable stock per SKU at the start of each day its snapshots describe, across every location
-- that sells to customers: what the forecast needs to tell "no demand" from "nothing to sell".
-- A location that sent no snapshot that day counts with its latest snapshot of the last
-- `stock_carry_forward_days` days (many sellers send some locations less often); older than that
-- it is unknown and counts nothing. Days on which no location reported are absent: a day without
-- data is not a stockout.
with snapshots as (

    select sku, location_id, snapshot_date, sellable
    from {{ ref('int_selling_location_snapshots') }}

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

latest_known as (

    -- each location's latest snapshot on or before the day
    {{ latest_on_or_before('grid', 'snapshots', ['sku', 'location_id'], 'date', 'snapshot_date', ['sellable']) }}

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
