using CaiEvents.Application.Runs;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Workers;
using CaiEvents.Workers.Submission;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.IntegrationTests;

/// <summary>Starts real hosts (the same composition the CLI uses) against a test's schema and vhost.</summary>
public static class Harness
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    public static async Task<IHost> StartHostAsync(TestServices services, IReadOnlyList<string> roles, TransportKind transport,
        Action<IServiceCollection>? configure = null, params (string Key, string Value)[] settings)
    {
        var builder = WorkerHost.CreateBuilder(new HostPlan(roles, transport), services.HostConfiguration(settings));
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static IReadOnlyList<PromptRecord> Prompts(int count) =>
        Enumerable.Range(1, count)
            .Select(i => new PromptRecord(i, $"t-{i:000}", "test", $"Test prompt number {i}: how should I deal with a noisy neighbour?")).ToList();

    public static RunRequest Request(IReadOnlyList<PromptRecord> prompts, int revisions, int maxNewTokens = 8, long seed = 7) =>
        new(prompts, "test-prompts.jsonl", ConstitutionLoader.LoadDefault(), "embedded:constitutions/default.yaml", revisions, seed,
            "builtin:tiny", "builtin:tiny", "builtin:tiny", new SamplingParameters(MaxNewTokens: maxNewTokens));

    /// <summary>An RL labelling stage on builtin:tiny: pairs sampled at temperature 1, soft labels from 2 principles.</summary>
    public static FeedbackConfiguration TinyFeedback()
    {
        var sampling = new SamplingParameters(Temperature: 1.0, MaxNewTokens: 8);
        return new FeedbackConfiguration("builtin:tiny", sampling, "builtin:tiny", PrinciplesPerLabel: 2, LabelMode.Soft,
            LabelClampBand.Low, LabelClampBand.High, sampling, FeedbackPrompt.TemplateVersion);
    }

    public static async Task<Guid> SubmitAsync(IHost host, RunRequest request)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RunSubmitter>().SubmitAsync(request, "integration-test", CancellationToken.None);
    }

    public static Task<RunState> WaitAsync(IHost host, Guid runId) =>
        RunFollower.WaitAsync(host.Services.GetRequiredService<IDocumentStore>(), runId, RunTimeout, null, CancellationToken.None);

    public static async Task<IReadOnlyList<IEvent>> StreamAsync(IDocumentStore store, Guid streamId)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamAsync(streamId);
    }

    /// <summary>Waits until RabbitMQ holds no message for this test (every command consumed and acknowledged).</summary>
    public static async Task DrainAsync(TestServices services)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var quietChecks = 0;
        while (quietChecks < 3)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("RabbitMQ queues did not drain within 60 s");
            await Task.Delay(500);
            // The management API's counters lag a little: require several quiet readings in a row.
            quietChecks = await services.PendingMessagesAsync() == 0 ? quietChecks + 1 : 0;
        }
    }
}
