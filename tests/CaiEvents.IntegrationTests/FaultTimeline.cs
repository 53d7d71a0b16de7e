using System.Diagnostics;
using Xunit.Abstractions;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// A fault test's seed and timeline. The seed comes from <c>CAI_FAULT_SEED</c> when set (to replay a failed plan), else at random;
/// every line is stamped with the seconds since the start, written to the test output and kept for the failure message.
/// </summary>
internal sealed class FaultTimeline(ITestOutputHelper output)
{
    private readonly List<string> _lines = [];

    public int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("CAI_FAULT_SEED"), out var seed) ? seed : Random.Shared.Next();

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public void Log(string line)
    {
        var entry = $"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {line}";
        lock (_lines) _lines.Add(entry);
        output.WriteLine(entry);
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    /// <summary>The timeline and the tail of each worker's stderr, for an assertion's message.</summary>
    public string Diagnostics(IEnumerable<CliProcess?> workers) =>
        "timeline:\n" + string.Join('\n', Lines) + "\n"
        + string.Join('\n', workers.Select((w, i) => $"worker {i} stderr (tail): {Tail(w?.Stderr)}"));

    private static string Tail(string? text) => text is null ? "" : text.Length > 1500 ? text[^1500..] : text;
}
