"""Policy backtest: replaying real demand against a replenishment policy (``run_backtest``).

``network`` (SKUs × stock locations, lanes, the nightly state), ``history`` (inputs, window,
demand per location, starting stock), ``lead_times`` (seeded draws), ``engine`` (the day loop),
``stockpilot`` (the production forecast and plan as a policy), ``baseline`` (the spreadsheet
rule), ``kpis`` (the scores) and ``charts`` (the picture for the UI and the report).
"""

from pipelines.simulation.backtest import POLICIES, BacktestResult, run_backtest
from pipelines.simulation.baseline import BaselinePolicy
from pipelines.simulation.engine import Policy, SimulationResult, simulate
from pipelines.simulation.history import BacktestInputs, Window
from pipelines.simulation.network import ORDER_COLUMNS, Network, SimulationState, build_network
from pipelines.simulation.stockpilot import ForecastSchedule, StockpilotPolicy

__all__ = ["ORDER_COLUMNS", "POLICIES", "BacktestInputs", "BacktestResult", "BaselinePolicy", "ForecastSchedule",
           "Network", "Policy", "SimulationResult", "SimulationState", "StockpilotPolicy", "Window", "build_network",
           "run_backtest", "simulate"]
