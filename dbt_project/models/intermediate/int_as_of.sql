-- The one place the as-of date is decided; every as-of model joins this single row.
-- var('as_of') wins; otherwise the latest event date found in the data; on an empty warehouse
-- today (so the column is never NULL).
{%- set as_of_var = var('as_of', '') | string | trim %}

with event_dates as (

    select max(snapshot_date) as event_date from {{ ref('stg_raw__stock_snapshots') }}
    union all
    select max(cast(ordered_at as date)) from {{ ref('stg_raw__orders') }}
    union all
    select max(cast(updated_at as date)) from {{ ref('stg_raw__orders') }}
    union all
    select max(cast(counted_at as date)) from {{ ref('stg_raw__adjustments') }}
    union all
    select max(cast(updated_at as date)) from {{ ref('stg_raw__returns') }}
    union all
    -- not shipped_at or eta, nor planned records: their updated_at may be the defaulted planned
    -- departure, ahead of today
    select max(cast(updated_at as date)) from {{ ref('stg_raw__shipments') }}
    where shipment_status <> 'planned'
    union all
    select max(cast(received_at as date)) from {{ ref('stg_raw__shipments') }}

),

resolved as (

    {% if as_of_var not in ('', 'None', 'none') -%}
    select cast('{{ as_of_var }}' as date) as as_of
    {%- else -%}
    select coalesce(max(event_date), current_date) as as_of
    from event_dates
    {%- endif %}

)

select
    as_of,
    -- first moment after the as-of day: records at or after it are not known yet
    cast(as_of + 1 as timestamp) as cutoff_at
from resolved
