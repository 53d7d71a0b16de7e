using System.Globalization;
using CaiEvents.Domain.Evaluation;

namespace CaiEvents.Cli.Rendering;

/// <summary>How the evaluation and report commands print numbers: 4 decimals in JSON, 3 in text, null / "n/a" where nothing was measured.</summary>
public static class EvaluationFormat
{
    public static double? Round(double? value) => value is { } v && double.IsFinite(v) ? Math.Round(v, 4) : null;

    public static double[]? Interval(ProportionInterval? interval) =>
        interval is null ? null : [Math.Round(interval.Low, 4), Math.Round(interval.High, 4)];

    public static string Text(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    public static string Text(ProportionInterval? interval) => interval is null ? "n/a" : $"[{Text(interval.Low)}, {Text(interval.High)}]";
}
