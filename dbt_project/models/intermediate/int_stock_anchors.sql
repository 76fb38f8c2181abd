-- Moments where a stock figure is known outright per sku x location, up to the end of the as-of
-- day: each snapshot (at its snapshot_at, by default the start of its day) and each count.
-- A view: int_snapshot_deliveries keeps the snapshots (most of the rows); copying them into a
-- table every night would cost more than the readers' filtered scans.
{{ config(materialized='view') }}

with as_of as (

    select * from {{ ref('int_as_of') }}

),

snapshots as (

    -- a snapshot delivered again (corrected file) replaces the earlier delivery (kept there,
    -- incrementally: the snapshots are most of the raw rows)
    select * from {{ ref('int_snapshot_deliveries') }}

),

counts_ranked as (

    select
        *,
        row_number() over (
            partition by counted_at, location_id, sku
            order by {{ latest_first() }}
        ) as delivery_rank
    from {{ ref('stg_raw__adjustments') }}

),

snapshot_anchors as (

    select
        'snapshot' as anchor_type,
        sku,
        location_id,
        cast(snapshot_at as timestamp) as anchor_at,
        on_hand as quantity,
        reserved,
        unsellable,
        inbound,
        inbound_planned,
        snapshot_date,
        cast(null as varchar) as reason,
        cast(null as varchar) as counted_by,
        -- a count at the very moment of a snapshot is the better figure
        1 as anchor_priority
    from snapshots

),

count_anchors as (

    select
        'count' as anchor_type,
        sku,
        location_id,
        counted_at as anchor_at,
        counted_quantity as quantity,
        cast(null as bigint) as reserved,
        cast(null as bigint) as unsellable,
        cast(null as bigint) as inbound,
        cast(null as bigint) as inbound_planned,
        cast(null as date) as snapshot_date,
        reason,
        counted_by,
        2 as anchor_priority
    from counts_ranked
    where delivery_rank = 1

),

anchors as (

    select * from snapshot_anchors
    union all
    select * from count_anchors

)

select anchors.*
from anchors
cross join as_of
where anchors.anchor_at < as_of.cutoff_at
