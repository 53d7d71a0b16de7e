using CaiEvents.Application.Hosts;
using CaiEvents.Contracts;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Runs;

/// <summary><c>cai run</c> (and the SL stage of <c>cai demo</c>): every runnable role in this process, one run to its end.</summary>
public static class RunInProcess
{
    /// <summary>Resolves the run's policy, trains builtin:demo if named, hosts the roles, submits, follows the run.</summary>
    public static async Task<RunState> RunAsync(RunRequest request, TransportKind transport, int? concurrency, TimeSpan timeout,
        IConfiguration configuration, IRunObserver observer, CancellationToken ct)
    {
        request = await RunPolicy.ResolveAsync(request, configuration, observer, ct);
        await RemoteModelRequirements.CheckAsync(request, RemoteModelRequirements.ServerProbe(configuration), ct);
        RunModels.EnsureBuiltin(request, observer.DemoModel, ct);
        using var host = await RoleHost.StartAsync(WorkerRoles.Runnable, transport, configuration, concurrency, ct, h => RunModels.Check(h, request));
        var runId = await RunSubmission.SubmitAsync(host, request, ct);
        observer.Started(runId, request, transport);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var run = await observer.WatchAsync(onProgress => RunFollower.WaitAsync(store, runId, timeout, onProgress, ct));
        await host.StopAsync(CancellationToken.None);
        return run;
    }
}
