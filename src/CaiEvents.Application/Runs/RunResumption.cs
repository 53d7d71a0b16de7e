using CaiEvents.Application.Hosts;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Application.Runs;

/// <summary><c>cai resume</c>: re-send the next command of every unsettled sample of a run.</summary>
public static class RunResumption
{
    /// <returns>The commands re-sent (consumers ignore any that were already done).</returns>
    public static async Task<int> ResumeAsync(Guid runId, IConfiguration configuration, CancellationToken ct)
    {
        using var host = await RoleHost.StartAsync([], TransportKind.RabbitMq, configuration, null, ct);
        await using var scope = host.Services.CreateAsyncScope();
        var sent = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().ResumeAsync(runId, ct);
        await host.StopAsync(CancellationToken.None);
        return sent;
    }
}
