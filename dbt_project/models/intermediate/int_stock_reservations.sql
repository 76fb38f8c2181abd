-- Units reserved for open order lines per sku x location as of the as-of day.
-- Where the location's latest snapshot reports a reserved figure (Amazon), that figure already
-- holds the lines open at the snapshot moment. Lines placed before the snapshot and closed after
-- it (shipped or cancelled) have left that reservation since, so:
--   reserved = greatest(snapshot reserved - units closed since the snapshot, 0)
--              + open lines ordered at or after the snapshot moment.
-- Elsewhere: all open lines.
with line_units as (

    select sku, location_id, ordered_at, closed_at, is_open, units
    from {{ ref('int_order_line_components') }}
    where location_id is not null

),

reporting_snapshots as (

    select sku, location_id, snapshot_at, reserved
    from {{ ref('int_latest_stock_snapshots') }}
    where reserved is not null

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
