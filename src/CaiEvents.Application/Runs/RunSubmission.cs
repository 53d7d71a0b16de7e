using CaiEvents.Application.Hosts;
using CaiEvents.Hosting;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Application.Runs;

/// <summary>
/// <c>cai submit</c>: write a run and send its first commands over RabbitMQ; workers elsewhere do the rest. The run is
/// written in chunks (<see cref="RunSubmitter"/>); a submit that was stopped is continued by running it again with the
/// same inputs and <see cref="RunRequest.RunId"/>.
/// </summary>
public static class RunSubmission
{
    /// <param name="started">Called with the run id once the run stream is written, before its prompts.</param>
    public static async Task<Guid> SubmitAsync(RunRequest request, IConfiguration configuration, IRunObserver observer, CancellationToken ct,
        Action<Guid>? started = null)
    {
        request = await RunPolicy.ResolveAsync(request, configuration, observer, ct);
        await RemoteModelRequirements.CheckAsync(request, RemoteModelRequirements.ServerProbe(configuration), ct);
        RunModels.EnsureBuiltin(request, observer.DemoModel, ct);
        using var host = await RoleHost.StartAsync([], TransportKind.RabbitMq, configuration, null, ct, h => RunModels.Check(h, request));
        var runId = await SubmitAsync(host, request, ct, started);
        await host.StopAsync(CancellationToken.None);
        return runId;
    }

    /// <summary>Writes the run through the host's <see cref="RunSubmitter"/>, in this process's worker identity.</summary>
    public static async Task<Guid> SubmitAsync(IHost host, RunRequest request, CancellationToken ct, Action<Guid>? started = null)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var submitter = scope.ServiceProvider.GetRequiredService<RunSubmitter>();
        return await submitter.SubmitAsync(request, host.Services.GetRequiredService<WorkerIdentity>().Instance, ct, started);
    }
}
