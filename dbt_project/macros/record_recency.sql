{#-
  The order in which repeated records of one key supersede each other, written once:
  the later `time_column` (updated_at) wins; ties go to the later load, then the later file
  name, then the later row. `latest_first` sorts the winner first; `earliest_first` the oldest.
-#}
{% macro latest_first(time_column=none) -%}
{%- if time_column %}{{ time_column }} desc, {% endif %}_loaded_at desc, _source_file desc, _row_number desc
{%- endmacro %}

{% macro earliest_first(time_column=none) -%}
{%- if time_column %}{{ time_column }}, {% endif %}_loaded_at, _source_file, _row_number
{%- endmacro %}
