namespace CaiEvents.Dashboard.Charts;

/// <summary>
/// A chart's numbers, as the page draws them and as its JSON endpoint serves them. <see cref="Kind"/> is "line", "bars"
/// (<see cref="BinWidth"/> wide, from each point's X) or "scatter". <see cref="Note"/> says what the points are, briefly.
/// </summary>
public sealed record Chart(string Id, string Title, string XLabel, string YLabel, string Kind, IReadOnlyList<ChartSeries> Series,
    string? Note = null, double? BinWidth = null);
