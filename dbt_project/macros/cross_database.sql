{#-
  The few expressions DuckDB and PostgreSQL spell or evaluate differently, written once so every
  model builds on both targets (profiles.yml: dev = DuckDB, postgres) with the same results.
  dbt's own cross-database macros (dbt.safe_cast, dbt.dateadd ...) cover none of these; the
  dbt_utils package cannot be downloaded here, hence our own. Every other construct the models
  use (FILTER, GREATEST/LEAST, date + integer, date - date, RANGE frames over dates, named
  windows, generate_series) is the same on both.
-#}

{#- a / b as a fraction. DuckDB's `/` always divides as floating point; PostgreSQL's truncates
    when both sides are integers (count(*), bigint units), so 3 / 4 would be 0 there. -#}
{% macro divide(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / ({{ denominator }})
{%- endmacro %}

{#- round(value, digits) returning a double. PostgreSQL rounds only numeric (round(double
    precision, integer) does not exist) and would hand BI users numeric columns where DuckDB
    gives doubles. -#}
{% macro round_to(value, digits) -%}
    {{ return(adapter.dispatch('round_to', 'stockpilot')(value, digits)) }}
{%- endmacro %}

{% macro duckdb__round_to(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}

{% macro default__round_to(value, digits) -%}
    cast(round(cast({{ value }} as numeric), {{ digits }}) as double precision)
{%- endmacro %}

{#- A text column in an ORDER BY that breaks ties (file names, line ids): compared byte by byte
    as DuckDB does, whatever collation the PostgreSQL database was created with (en_US sorts
    'b-2' before 'b1' and 'B' next to 'b'). -#}
{% macro binary_sorted(column) -%}
    {{ return(adapter.dispatch('binary_sorted', 'stockpilot')(column)) }}
{%- endmacro %}

{% macro duckdb__binary_sorted(column) -%}
    {{ column }}
{%- endmacro %}

{% macro default__binary_sorted(column) -%}
    {{ column }} collate "C"
{%- endmacro %}

{#- For each row of `grid`, the row of `rows` with the same `keys` and the latest `row_time` at
    or before its `grid_time` (NULLs when there is none): the keys, the grid time, that row's
    time and its `columns`. DuckDB answers it with its ASOF join (fastest there); elsewhere a
    running max over grid and row moments merged in time order finds the row's time, and the
    row is joined back by it, so `rows` must have one row per keys x `row_time`. -#}
{% macro latest_on_or_before(grid, rows, keys, grid_time, row_time, columns) -%}
    {{ return(adapter.dispatch('latest_on_or_before', 'stockpilot')(grid, rows, keys, grid_time, row_time, columns)) }}
{%- endmacro %}

{% macro duckdb__latest_on_or_before(grid, rows, keys, grid_time, row_time, columns) -%}
    select
        {%- for key in keys %}
        {{ grid }}.{{ key }},
        {%- endfor %}
        {{ grid }}.{{ grid_time }},
        {{ rows }}.{{ row_time }}
        {%- for column in columns %},
        {{ rows }}.{{ column }}
        {%- endfor %}
    from {{ grid }}
    asof left join {{ rows }}
        on {% for key in keys %}{{ grid }}.{{ key }} = {{ rows }}.{{ key }}
        and {% endfor %}{{ grid }}.{{ grid_time }} >= {{ rows }}.{{ row_time }}
{%- endmacro %}

{% macro default__latest_on_or_before(grid, rows, keys, grid_time, row_time, columns) -%}
    select
        {%- for key in keys %}
        latest.{{ key }},
        {%- endfor %}
        latest.{{ grid_time }},
        latest.{{ row_time }}
        {%- for column in columns %},
        {{ rows }}.{{ column }}
        {%- endfor %}
    from (
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            moment as {{ grid_time }},
            is_grid,
            -- a row at the very moment of a grid row sorts first, so the grid row sees it
            max(row_moment) over (
                partition by {{ keys | join(', ') }}
                order by moment, is_grid
                rows between unbounded preceding and current row
            ) as {{ row_time }}
        from (
            select {{ keys | join(', ') }}, {{ grid_time }} as moment, 1 as is_grid, null as row_moment
            from {{ grid }}
            union all
            select {{ keys | join(', ') }}, {{ row_time }}, 0, {{ row_time }}
            from {{ rows }}
        ) as moments
    ) as latest
    left join {{ rows }}
        on {% for key in keys %}latest.{{ key }} = {{ rows }}.{{ key }}
        and {% endfor %}latest.{{ row_time }} = {{ rows }}.{{ row_time }}
    where latest.is_grid = 1
{%- endmacro %}
