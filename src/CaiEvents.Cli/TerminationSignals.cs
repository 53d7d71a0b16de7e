using System.Runtime.InteropServices;

namespace CaiEvents.Cli;

/// <summary>
/// The one owner of SIGTERM, SIGINT and SIGQUIT for every command. The first signal cancels the command's token: hosts stop
/// (a worker's in-flight messages finish or stay unacknowledged, so RabbitMQ redelivers them), followers and job waits
/// return. A command that has not returned <see cref="GracePeriod"/> later is abandoned: the process exits with 128 + the
/// signal's number, as a process killed by it would, and the broker and the advisory locks see a dropped connection.
/// </summary>
/// <remarks>
/// Why here: System.CommandLine 2.0 handles no signal unless <c>ProcessTerminationTimeout</c> is set, so command tokens never
/// fired; and a generic host's console lifetime swallows SIGTERM, only raising StopApplication, which nothing but a worker's
/// WaitForShutdownAsync listens to (the dashboard and the job hosts kept running). Compose kills after 10 s: the grace is shorter.
/// </remarks>
public sealed class TerminationSignals : IDisposable
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(8);

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<int> _graceExpired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;
    private int _signalNumber;

    public TerminationSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, OnSignal))];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Completes with <see cref="ExitCode"/> when a signalled command has not returned within <see cref="GracePeriod"/>.</summary>
    public Task<int> GraceExpired => _graceExpired.Task;

    /// <summary>128 + the first signal's number (143 for SIGTERM, 130 for SIGINT, 131 for SIGQUIT); null before any signal.</summary>
    public int? ExitCode => Volatile.Read(ref _signalNumber) is var n and > 0 ? 128 + n : null;

    /// <summary>The first signal's name (SIGTERM, SIGINT, SIGQUIT); null before any signal.</summary>
    public string? SignalName => Volatile.Read(ref _signalNumber) switch { 15 => "SIGTERM", 2 => "SIGINT", 3 => "SIGQUIT", _ => null };

    private void OnSignal(PosixSignalContext context)
    {
        // The command stops itself; the runtime's default (immediate termination) would cut off a half-done write.
        context.Cancel = true;
        var number = context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGQUIT => 3, _ => 15 };
        if (Interlocked.CompareExchange(ref _signalNumber, number, 0) != 0) return;
        // Asynchronously: cancellation callbacks (host shutdowns) must not run on the runtime's signal-handling thread.
        _ = _stop.CancelAsync();
        _ = Task.Delay(GracePeriod).ContinueWith(_ => _graceExpired.TrySetResult(128 + number), TaskScheduler.Default);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
