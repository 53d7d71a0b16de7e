using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.UnitTests.Models.Remote;

/// <summary>Models:Remote:MaxConcurrency (per server, across model objects) and Models:Remote:RetryBudget, over real loopback HTTP.</summary>
public class RemoteBackPressureTests
{
    [Fact]
    public async Task Requests_in_flight_to_one_server_never_exceed_the_cap_across_two_model_objects()
    {
        await using var server = await InFlightCountingServer.StartAsync();
        // Each model alone would keep 4 requests in flight (MaxConcurrentRequests), 8 together: the per-server cap is 2.
        var options = new RemoteModelOptions { MaxConcurrentRequests = 4, MaxConcurrency = 2, MaxRetries = 0 };
        using var first = ModelCatalog.Load(server.ModelId("a"), ModelOptions.Cpu with { Remote = options });
        using var second = ModelCatalog.Load(server.ModelId("b"), ModelOptions.Cpu with { Remote = options });
        var requests = Enumerable.Range(0, 4).Select(i => new GenerationRequest($"prompt {i}", new SamplingParameters(MaxNewTokens: 1), i)).ToList();

        var results = await Task.WhenAll(first.GenerateAsync(requests), second.GenerateAsync(requests));

        Assert.All(results.SelectMany(r => r), r => Assert.Equal(" ok", r.Text));
        Assert.Equal(8, server.Requests);
        Assert.InRange(server.MaxInFlight, 1, 2);
    }

    [Fact]
    public async Task The_retry_budget_stops_retries_before_max_retries_is_reached()
    {
        await using var server = await InFlightCountingServer.StartAsync();
        server.AlwaysUnavailable = true;
        // 1000 retries with waits of at least 20 ms could not finish within a 1 s budget: the budget must end the call.
        var options = new RemoteModelOptions
        {
            MaxRetries = 1000, RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            RetryBudget = TimeSpan.FromSeconds(1),
        };
        using var model = new OpenAiCompatibleModel(server.ModelId("m"), options);

        var e = await Assert.ThrowsAsync<RemoteModelException>(() => model.GenerateAsync([new GenerationRequest("hi", new SamplingParameters(), 1)]));

        Assert.Contains("retry budget of 1 s (Models:Remote:RetryBudget) was spent", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.InRange(e.Attempts, 1, 1000);
        Assert.InRange(server.Requests, 1, 1000);
    }

    [Fact]
    public void A_retry_budget_that_outlives_the_acknowledgement_timeout_is_refused_in_one_line_naming_both_settings()
    {
        var options = new RemoteModelOptions { RetryBudget = TimeSpan.FromMinutes(45) };

        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Load("openai:http://127.0.0.1:9/v1#m?api=completions", ModelOptions.Cpu with { Remote = options }));

        Assert.StartsWith("Models:Remote:RetryBudget (00:45:00) must be shorter than Models:Remote:AcknowledgementTimeout (00:30:00", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // Allowed once the broker's timeout (and so the setting) is longer.
        (options with { AcknowledgementTimeout = TimeSpan.FromHours(1) }).Validate();
    }

    [Fact]
    public void New_settings_have_their_defaults_and_bind_from_configuration()
    {
        Assert.Equal(16, RemoteModelOptions.Default.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(10), RemoteModelOptions.Default.RetryBudget);
        Assert.Equal(TimeSpan.FromMinutes(30), RemoteModelOptions.Default.AcknowledgementTimeout); // RabbitMQ's documented default
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Remote:MaxConcurrency"] = "3",
            ["Models:Remote:RetryBudget"] = "00:05:00",
            ["Models:Remote:AcknowledgementTimeout"] = "01:00:00",
        }).Build();

        var options = configuration.GetSection("Models:Remote").Get<RemoteModelOptions>()!;

        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(5), options.RetryBudget);
        Assert.Equal(TimeSpan.FromHours(1), options.AcknowledgementTimeout);
        Assert.Throws<ArgumentException>(() => (options with { MaxConcurrency = 0 }).Validate());
    }
}
