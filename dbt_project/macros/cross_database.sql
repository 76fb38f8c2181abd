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
