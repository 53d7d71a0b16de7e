namespace CaiEvents.Dashboard.Charts;

/// <summary>
/// One point of a chart: <see cref="X"/> is a step, an epoch, a bin's lower edge or seconds since a run started. A null
/// <see cref="Y"/> is a gap (a value the job could not compute).
/// </summary>
public sealed record ChartPoint(double X, double? Y);
