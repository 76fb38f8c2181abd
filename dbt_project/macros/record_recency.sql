{#-
  The order in which repeated records of one key supersede each other, written once:
  the later `time_column` (updated_at) wins; ties go to the later load, then the later file
  name, then the later row. `latest_first` sorts the winner first; `earliest_first` the oldest.
  A record without a time sorts after every dated one in both (DuckDB's default; PostgreSQL
  would put NULLs first when descending, hence the explicit `nulls last`).
-#}
{% macro latest_first(time_column=none) -%}
{%- if time_column %}{{ time_column }} desc nulls last, {% endif %}_loaded_at desc, {{ binary_sorted('_source_file') }} desc, _row_number desc
{%- endmacro %}

{% macro earliest_first(time_column=none) -%}
{%- if time_column %}{{ time_column }} nulls last, {% endif %}_loaded_at, {{ binary_sorted('_source_file') }}, _row_number
{%- endmacro %}
