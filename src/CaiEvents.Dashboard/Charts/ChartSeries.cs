namespace CaiEvents.Dashboard.Charts;

/// <summary>One named line (or set of bars or dots) of a chart.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points);
