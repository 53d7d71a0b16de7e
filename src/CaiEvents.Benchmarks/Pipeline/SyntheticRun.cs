using CaiEvents.Application.Runs;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.EventStore;
using CaiEvents.Models.Synthetic;
using CaiEvents.Workers.Submission;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Benchmarks.Pipeline;

/// <summary>The pipeline benchmarks' runs: numbered synthetic prompts on <see cref="EchoModel"/>, submitted and awaited in a host.</summary>
public static class SyntheticRun
{
    /// <summary>An SL run of <paramref name="prompts"/> prompts, seed 42, <see cref="EchoModel"/> except for the Critic.</summary>
    public static RunRequest Request(int prompts, int revisions, string criticModel) => new(
        [.. Enumerable.Range(1, prompts).Select(i => new PromptRecord(i, $"bench-{i:00000}", "bench",
            $"Benchmark prompt {i}: how do I tell a friend that I cannot lend them money?"))],
        "bench:synthetic", ConstitutionLoader.LoadDefault(), "embedded:constitutions/default.yaml", revisions, Seed: 42,
        EchoModel.ModelId, criticModel, EchoModel.ModelId, new SamplingParameters(MaxNewTokens: 16));

    /// <summary>Submits the run through the host's <see cref="RunSubmitter"/> and waits for its end; a failed sample fails the benchmark.</summary>
    public static async Task<RunState> RunToEndAsync(IHost host, RunRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        Guid runId;
        await using (var scope = host.Services.CreateAsyncScope())
            runId = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().SubmitAsync(request, "bench", ct);
        var run = await RunFollower.WaitAsync(host.Services.GetRequiredService<IDocumentStore>(), runId, TimeSpan.FromMinutes(30), null, ct);
        if (run.Failed > 0) throw new InvalidOperationException($"benchmark run {runId}: {run.Failed} sample(s) failed");
        return run;
    }
}
