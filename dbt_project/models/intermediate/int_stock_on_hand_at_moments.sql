-- THE on-hand rule, written once. Physical on hand just before moment T =
--   quantity of the latest anchor (snapshot or count) strictly before T
--   + ledger movements strictly after that anchor and strictly before T.
-- With no anchor before T the base is 0 and every movement before T counts.
-- Moments evaluated:
--   'as_of' : T = start of the day after as_of, i.e. the position at the end of the as-of day
--             (everything up to as_of 23:59:59.999 included) -> marts.inventory_position
--   'count' : T = counted_at, the system quantity the count is compared with
--             -> marts.inventory_adjustments
with as_of as (

    select * from {{ ref('int_as_of') }}

),

anchors as (

    select * from {{ ref('int_stock_anchors') }}

),

ledger as (

    select * from {{ ref('int_stock_ledger') }}

),

stock_keys as (

    select sku, location_id from anchors
    union
    select sku, location_id from ledger

),

moments as (

    select
        stock_keys.sku,
        stock_keys.location_id,
        'as_of' as moment_type,
        as_of.cutoff_at as moment_at
    from stock_keys
    cross join as_of

    union all

    select
        sku,
        location_id,
        'count' as moment_type,
        anchor_at as moment_at
    from anchors
    where anchor_type = 'count'

),

anchors_before_moment as (

    select
        moments.sku,
        moments.location_id,
        moments.moment_type,
        moments.moment_at,
        anchors.anchor_type,
        anchors.anchor_at,
        anchors.quantity,
        row_number() over (
            partition by moments.sku, moments.location_id, moments.moment_type, moments.moment_at
            order by anchors.anchor_at desc, anchors.anchor_priority desc
        ) as recency_rank
    from moments
    inner join anchors
        on moments.sku = anchors.sku
        and moments.location_id = anchors.location_id
        and anchors.anchor_at < moments.moment_at

),

moments_with_anchor as (

    select
        moments.*,
        latest_anchor.anchor_type,
        latest_anchor.anchor_at,
        latest_anchor.quantity as anchor_quantity
    from moments
    left join anchors_before_moment as latest_anchor
        on moments.sku = latest_anchor.sku
        and moments.location_id = latest_anchor.location_id
        and moments.moment_type = latest_anchor.moment_type
        and moments.moment_at = latest_anchor.moment_at
        and latest_anchor.recency_rank = 1

),

movements_since_anchor as (

    select
        moments_with_anchor.sku,
        moments_with_anchor.location_id,
        moments_with_anchor.moment_type,
        moments_with_anchor.moment_at,
        sum(ledger.units) as units
    from moments_with_anchor
    inner join ledger
        on moments_with_anchor.sku = ledger.sku
        and moments_with_anchor.location_id = ledger.location_id
        and ledger.moved_at < moments_with_anchor.moment_at
        -- a snapshot or count already includes everything up to its own moment
        and (moments_with_anchor.anchor_at is null or ledger.moved_at > moments_with_anchor.anchor_at)
    group by 1, 2, 3, 4

)

select
    moments_with_anchor.sku,
    moments_with_anchor.location_id,
    moments_with_anchor.moment_type,
    moments_with_anchor.moment_at,
    moments_with_anchor.anchor_type,
    moments_with_anchor.anchor_at,
    cast(coalesce(moments_with_anchor.anchor_quantity, 0) as bigint) as anchor_quantity,
    cast(coalesce(movements_since_anchor.units, 0) as bigint) as movement_units,
    cast(
        coalesce(moments_with_anchor.anchor_quantity, 0) + coalesce(movements_since_anchor.units, 0)
        as bigint
    ) as on_hand
from moments_with_anchor
left join movements_since_anchor
    on moments_with_anchor.sku = movements_since_anchor.sku
    and moments_with_anchor.location_id = movements_since_anchor.location_id
    and moments_with_anchor.moment_type = movements_since_anchor.moment_type
    and moments_with_anchor.moment_at = movements_since_anchor.moment_at
