{#- Renders a list of strings as a parenthesised SQL list: ['a', 'b'] -> ('a', 'b').
    Used with the contract's status lists held in dbt_project.yml vars. -#}
{% macro sql_value_list(values) -%}
    ({%- for value in values -%}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
