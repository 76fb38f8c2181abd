-- One row per snapshot (snapshot_date x location_id x sku): its latest delivery, over every
-- delivery ever loaded, whatever the as-of day (int_stock_anchors applies that).
-- Incremental: raw.stock_snapshots is append-only, so a build reads only the loads newer than the
-- newest it has kept, and ranks them against the rows it keeps for the same keys; the winner of a
-- key is the same as over all its deliveries because the order is total (latest_first).
-- Ingestion stamps _loaded_at with the clock at load time; a load stamped earlier than one
-- already built would be missed until the next `dbt build --full-refresh`.
{{ config(
    materialized='incremental',
    unique_key=['snapshot_date', 'location_id', 'sku'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{%- set columns = ['snapshot_date', 'location_id', 'sku', 'on_hand', 'reserved', 'unsellable',
                   'snapshot_at', 'inbound', 'inbound_planned', '_source_file', '_row_number',
                   '_loaded_at'] %}

with new_deliveries as (

    select {{ columns | join(', ') }}
    from {{ ref('stg_raw__stock_snapshots') }}
    {% if is_incremental() -%}
    where _loaded_at > (select max(_loaded_at) from {{ this }})
    {%- endif %}

),

candidates as (

    select * from new_deliveries
    {% if is_incremental() -%}
    union all
    select {% for column in columns %}kept.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ this }} as kept
    inner join (select distinct snapshot_date, location_id, sku from new_deliveries) as redelivered
        on kept.snapshot_date = redelivered.snapshot_date
        and kept.location_id = redelivered.location_id
        and kept.sku = redelivered.sku
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by snapshot_date, location_id, sku
            order by {{ latest_first() }}
        ) as delivery_rank
    from candidates

)

select {{ columns | join(', ') }}
from ranked
where delivery_rank = 1
