-- Units reserved for open order lines per sku x location as of the as-of day.
-- Where the location reports a reserved figure (Amazon: its latest snapshot's reserved, or its
-- latest Reserved Inventory report, whichever describes the later moment), that figure already
-- holds the lines open at that moment. Lines placed before it and closed after it (shipped or
-- cancelled) have left that reservation since, so:
--   reserved = greatest(reported reserved - units closed since the report, 0)
--              + open lines ordered at or after the report moment.
-- Elsewhere: all open lines.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

line_units as (

    select sku, location_id, ordered_at, closed_at, is_open, units
    from {{ ref('int_order_line_components') }}
    where location_id is not null

),

snapshot_figures as (

    select sku, location_id, snapshot_at as reported_at, reserved
    from {{ ref('int_latest_stock_snapshots') }}
    where reserved is not null

),

reserved_reports_known as (

    -- a report delivered again replaces the earlier delivery
    select reports.*
    from (
        select
            *,
            row_number() over (
                partition by report_date, location_id, sku
                order by {{ latest_first() }}
            ) as delivery_rank
        from {{ ref('stg_raw__amazon_reserved') }}
    ) as reports
    cross join as_of
    where reports.delivery_rank = 1
        and reports.reported_at < as_of.cutoff_at

),

latest_reserved_reports as (

    select location_id, max(reported_at) as reported_at
    from reserved_reports_known
    group by location_id

),

report_figures as (

    -- the location's latest report lists every sku with reserved units at its moment: a sku
    -- an earlier report listed and the latest leaves out has none reserved
    select
        listed.sku,
        listed.location_id,
        latest_reserved_reports.reported_at,
        coalesce(latest_rows.reserved, 0) as reserved
    from (select distinct sku, location_id from reserved_reports_known) as listed
    inner join latest_reserved_reports
        on listed.location_id = latest_reserved_reports.location_id
    left join reserved_reports_known as latest_rows
        on listed.location_id = latest_rows.location_id
        and listed.sku = latest_rows.sku
        and latest_rows.reported_at = latest_reserved_reports.reported_at

),

reporting_snapshots as (

    -- the latest reported figure per sku x location (a snapshot wins a tie)
    select sku, location_id, reported_at as snapshot_at, reserved
    from (
        select
            *,
            row_number() over (
                partition by sku, location_id
                order by reported_at desc, source_rank
            ) as recency_rank
        from (
            select *, 1 as source_rank from snapshot_figures
            union all
            select *, 2 as source_rank from report_figures
        ) as figures
    ) as ranked
    where recency_rank = 1

),

open_units_outside_snapshot as (

    select
        line_units.sku,
        line_units.location_id,
        sum(line_units.units) as units
    from line_units
    left join reporting_snapshots
        on line_units.sku = reporting_snapshots.sku
        and line_units.location_id = reporting_snapshots.location_id
    where line_units.is_open
        and (reporting_snapshots.snapshot_at is null
             or line_units.ordered_at >= reporting_snapshots.snapshot_at)
    group by line_units.sku, line_units.location_id

),

units_closed_since_snapshot as (

    select
        line_units.sku,
        line_units.location_id,
        sum(line_units.units) as units
    from line_units
    inner join reporting_snapshots
        on line_units.sku = reporting_snapshots.sku
        and line_units.location_id = reporting_snapshots.location_id
    where not line_units.is_open
        and line_units.ordered_at < reporting_snapshots.snapshot_at
        and line_units.closed_at >= reporting_snapshots.snapshot_at
    group by line_units.sku, line_units.location_id

),

reservation_keys as (

    select sku, location_id from line_units where is_open
    union
    select sku, location_id from reporting_snapshots

),

combined as (

    select
        reservation_keys.sku,
        reservation_keys.location_id,
        cast(coalesce(reporting_snapshots.reserved, 0) as bigint) as snapshot_reserved,
        cast(coalesce(units_closed_since_snapshot.units, 0) as bigint) as closed_since_snapshot,
        cast(coalesce(open_units_outside_snapshot.units, 0) as bigint) as open_order_units
    from reservation_keys
    left join reporting_snapshots
        on reservation_keys.sku = reporting_snapshots.sku
        and reservation_keys.location_id = reporting_snapshots.location_id
    left join open_units_outside_snapshot
        on reservation_keys.sku = open_units_outside_snapshot.sku
        and reservation_keys.location_id = open_units_outside_snapshot.location_id
    left join units_closed_since_snapshot
        on reservation_keys.sku = units_closed_since_snapshot.sku
        and reservation_keys.location_id = units_closed_since_snapshot.location_id

)

select
    sku,
    location_id,
    snapshot_reserved,
    closed_since_snapshot,
    open_order_units,
    cast(greatest(snapshot_reserved - closed_since_snapshot, 0) + open_order_units as bigint) as reserved
from combined
