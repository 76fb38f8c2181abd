-- Stock per sku x stock-holding location at the end of the as-of day.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

stock_locations as (

    select location_id, location_type, region
    from {{ ref('stg_raw__locations') }}
    where location_type in {{ sql_value_list(var('stock_location_types')) }}

),

on_hand as (

    select sku, location_id, on_hand
    from {{ ref('int_stock_on_hand_at_moments') }}
    where moment_type = 'as_of'

),

reservations as (

    select sku, location_id, reserved from {{ ref('int_stock_reservations') }}

),

inbound as (

    -- shipments on their way, and what locations report themselves (Amazon)
    select sku, location_id, inbound, inbound_planned from {{ ref('int_stock_inbound') }}

),

pending_returns as (

    select sku, location_id, sum(units) as returns_pending
    from {{ ref('int_return_components') }}
    where return_status in {{ sql_value_list(var('pending_return_statuses')) }}
        and location_id is not null
    group by sku, location_id

),

latest_snapshots as (

    select sku, location_id, snapshot_date, unsellable
    from {{ ref('int_latest_stock_snapshots') }}

),

last_counts as (

    select sku, location_id, max(anchor_at) as last_counted_at
    from {{ ref('int_stock_anchors') }}
    where anchor_type = 'count'
    group by sku, location_id

),

position_keys as (

    select sku, location_id from on_hand
    union
    select sku, location_id from reservations
    union
    select sku, location_id from inbound
    union
    select sku, location_id from pending_returns

),

positions as (

    select
        as_of.as_of,
        position_keys.sku,
        position_keys.location_id,
        stock_locations.location_type,
        stock_locations.region,
        cast(coalesce(on_hand.on_hand, 0) as bigint) as on_hand,
        cast(coalesce(reservations.reserved, 0) as bigint) as reserved,
        cast(coalesce(inbound.inbound, 0) as bigint) as inbound,
        cast(coalesce(inbound.inbound_planned, 0) as bigint) as inbound_planned,
        cast(coalesce(pending_returns.returns_pending, 0) as bigint) as returns_pending,
        cast(coalesce(latest_snapshots.unsellable, 0) as bigint) as unsellable,
        latest_snapshots.snapshot_date as last_snapshot_date,
        last_counts.last_counted_at
    from position_keys
    cross join as_of
    -- suppliers hold none of the seller's stock
    inner join stock_locations
        on position_keys.location_id = stock_locations.location_id
    left join on_hand
        on position_keys.sku = on_hand.sku and position_keys.location_id = on_hand.location_id
    left join reservations
        on position_keys.sku = reservations.sku
        and position_keys.location_id = reservations.location_id
    left join inbound
        on position_keys.sku = inbound.sku and position_keys.location_id = inbound.location_id
    left join pending_returns
        on position_keys.sku = pending_returns.sku
        and position_keys.location_id = pending_returns.location_id
    left join latest_snapshots
        on position_keys.sku = latest_snapshots.sku
        and position_keys.location_id = latest_snapshots.location_id
    left join last_counts
        on position_keys.sku = last_counts.sku
        and position_keys.location_id = last_counts.location_id

)

select
    as_of,
    sku,
    location_id,
    location_type,
    region,
    on_hand,
    reserved,
    inbound,
    inbound_planned,
    returns_pending,
    unsellable,
    -- negative = oversold; kept so planners see it
    on_hand - reserved - unsellable as available,
    last_snapshot_date,
    last_counted_at
from positions
