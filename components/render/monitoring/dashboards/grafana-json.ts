/** The Grafana dashboard model (the JSON Grafana loads) of a DashboardSpec, built with grafana-foundation-sdk. */
import { createHash } from "crypto";
import {
  LegendDisplayMode,
  LegendPlacement,
  GraphThresholdsStyleMode,
  SortOrder,
  TooltipDisplayMode,
  GraphThresholdsStyleConfigBuilder,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { HeatmapColorMode, HeatmapColorOptionsBuilder, HeatmapColorScale, PanelBuilder as HeatmapBuilder, YAxisConfigBuilder } from "@grafana/grafana-foundation-sdk/heatmap";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE, DashboardSpec, PanelSpec } from "./spec";

/** Query ids within a panel: A, B, C, ... */
export const refId = (i: number): string => String.fromCharCode("A".charCodeAt(0) + i);

/** Dashboard uid: Grafana allows 40 characters, so long stack names are hashed. */
export function dashboardUid(stack: string, name: string): string {
  const uid = `${name}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-");
  if (uid.length <= 40) return uid;
  return `${name.slice(0, 31)}-${createHash("sha256").update(stack).digest("hex").slice(0, 8)}`;
}

/** A heatmap of histogram buckets over time: Prometheus' heatmap format, buckets as Grafana's rows, no re-bucketing. */
/** Panels with many series and heatmaps need half the grid; the others a third. */
const wide = (p: PanelSpec): boolean => p.kind === "heatmap" || p.queries.length > 2;

function buildHeatmap(p: PanelSpec, id: number, width: number): HeatmapBuilder {
  const panel = new HeatmapBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .datasource(DATASOURCE)
    .span(width)
    .height(8)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit(p.unit))
    .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme("Oranges").scale(HeatmapColorScale.Exponential).exponent(0.5).steps(64));
  p.queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(refId(i)).format(PromQueryFormat.Heatmap).range()));
  return panel;
}

function buildPanel(p: PanelSpec, id: number, width: number): TimeseriesBuilder | HeatmapBuilder {
  if (p.kind === "heatmap") return buildHeatmap(p, id, width);
  const panel = new TimeseriesBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .datasource(DATASOURCE)
    .unit(p.unit)
    .span(width)
    .height(8)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  if (p.min !== undefined) panel.min(p.min);
  if (p.max !== undefined) panel.max(p.max);
  if (p.threshold !== undefined) {
    panel
      .thresholds(
        new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
          { value: null, color: "green" },
          { value: p.threshold, color: "red" },
        ]),
      )
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  p.queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(refId(i)).range()));
  return panel;
}

/** The Grafana dashboard model (JSON-ready object) of a spec. */
export function buildDashboard(spec: DashboardSpec, stack: string): unknown {
  const builder = new DashboardBuilder(`${spec.title} (${stack})`)
    .uid(dashboardUid(stack, spec.name))
    .tags(["qwen-serving", stack])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("browser")
    // Provisioned from files: edits in the UI would be lost, so do not invite them.
    .readonly()
    .withVariable(new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus"))
    .withVariable(
      new QueryVariableBuilder(spec.variable.name)
        .label(spec.variable.label)
        .datasource(DATASOURCE)
        .query(`label_values(${spec.variable.metric}, ${spec.variable.name})`)
        .definition(`label_values(${spec.variable.metric}, ${spec.variable.name})`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue(".*"),
    );
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    // One width per row: the builder wraps only once a line is full, so mixed widths would overflow the grid.
    const width = row.panels.some(wide) ? 12 : 8;
    for (const p of row.panels) builder.withPanel(buildPanel(p, id++, width));
  }
  return builder.build();
}
