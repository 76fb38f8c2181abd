-- The latest snapshot per sku x location as of the as-of day (its reserved, unsellable and
-- inbound figures and its date).
select
    sku,
    location_id,
    snapshot_date,
    anchor_at as snapshot_at,
    quantity as on_hand,
    reserved,
    unsellable,
    inbound,
    inbound_planned
from (
    select
        *,
        row_number() over (partition by sku, location_id order by anchor_at desc) as recency_rank
    from {{ ref('int_stock_anchors') }}
    where anchor_type = 'snapshot'
) as snapshots_ranked
where recency_rank = 1
