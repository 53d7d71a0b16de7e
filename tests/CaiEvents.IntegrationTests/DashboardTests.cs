using System.Globalization;
using System.Net;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using CaiEvents.Hosting;
using Marten;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The dashboard end to end: a real run (RabbitMQ, PostgreSQL, every role, the zero-cost builtin:echo model),
/// the dashboard on a free loopback port, and Debian's Chromium driven by Playwright through runs → run → label.
/// Set CAI_DASHBOARD_SCREENSHOTS=DIR to write the screenshots shown in the README.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class DashboardTests
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CAI_CHROMIUM") ?? "/usr/bin/chromium";
    private static readonly string? ScreenshotDir = Environment.GetEnvironmentVariable("CAI_DASHBOARD_SCREENSHOTS");

    [Fact]
    public async Task The_browser_follows_a_run_to_a_label_and_sees_its_audit_chain()
    {
        await using var services = await TestServices.StartAsync();
        using var workers = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        var sampling = new SamplingParameters(Temperature: 1.0, MaxNewTokens: 8);
        var feedback = new FeedbackConfiguration(EchoModel, sampling, EchoModel, PrinciplesPerLabel: 2, LabelMode.Soft, 0.4, 0.6, sampling, FeedbackPrompt.TemplateVersion);
        var request = Harness.Request(Harness.Prompts(4), revisions: 1) with
        {
            GeneratorModel = EchoModel, CriticModel = EchoModel, ReviserModel = EchoModel, Feedback = feedback,
        };
        var runId = await Harness.SubmitAsync(workers, request);
        Assert.Equal(8, (await Harness.WaitAsync(workers, runId)).Finalized);
        var store = workers.Services.GetRequiredService<IDocumentStore>();

        await using var dashboard = DashboardApp.Build(new DashboardOptions
        {
            EventStore = services.EventStore,
            Queues = new RabbitManagementOptions(new Uri($"http://{services.Rabbit.Host}:{services.Rabbit.ManagementPort}/api/"), services.VirtualHost, services.Rabbit.Username, services.Rabbit.Password),
            Urls = ["http://127.0.0.1:0"],
        });
        await dashboard.StartAsync();
        var baseUrl = dashboard.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", baseUrl);

        // Read-only: anything but GET/HEAD is refused, on the API and on the page alike.
        using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
        {
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            foreach (var path in new[] { "/", $"/api/runs/{runId}", "/api/runs" })
            {
                using var refused = await http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent("{}") });
                Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
                Assert.Equal(["GET", "HEAD"], refused.Content.Headers.Allow);
            }
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/runs/{runId}")).StatusCode);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var pageErrors = new List<string>();
        page.PageError += (_, e) => pageErrors.Add(e);

        // Runs list → the run.
        await page.GotoAsync(baseUrl);
        var runLink = page.GetByTestId("run-link").Filter(new LocatorFilterOptions { HasText = runId.ToString() });
        await Assertions.Expect(runLink).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("run-row").Filter(new() { HasText = runId.ToString() }).GetByTestId("role-labeller")).ToContainTextAsync("4/4");
        await ScreenshotAsync(page, "runs");
        await runLink.ClickAsync();

        await Assertions.Expect(page.GetByTestId("run-id")).ToHaveTextAsync(runId.ToString());
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("completed");
        var roles = page.GetByTestId("roles");
        await Assertions.Expect(roles.GetByTestId("role-generator")).ToContainTextAsync("8/8"); // 4 responses + 4 pairs
        await Assertions.Expect(roles.GetByTestId("role-critic")).ToContainTextAsync("4/4");
        await Assertions.Expect(roles.GetByTestId("role-reviser")).ToContainTextAsync("4/4");
        await Assertions.Expect(roles.GetByTestId("role-labeller")).ToContainTextAsync("4/4");
        await Assertions.Expect(page.GetByTestId("no-failures")).ToBeVisibleAsync();
        // Queue depths come from this test's RabbitMQ virtual host; the run's throughput from its event timestamps.
        await Assertions.Expect(page.GetByTestId("queue-row").Filter(new() { HasText = "label-preference" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("throughput-whole-run")).ToContainTextAsync("events in");
        Assert.Equal(4, await page.GetByTestId("comparison-row").CountAsync());
        await ScreenshotAsync(page, "run");

        // Run → a label → its audit chain, checked against the stored PreferenceLabelled event.
        var labelLink = page.GetByTestId("label-link").First;
        var labelId = Guid.Parse(await labelLink.InnerTextAsync());
        LabelAuditChain chain;
        await using (var session = store.QuerySession())
            chain = await LabelAudit.LoadAsync(session, labelId, default) ?? throw new InvalidOperationException($"label {labelId} is not stored");
        var label = chain.Label!;
        await labelLink.ClickAsync();

        await Assertions.Expect(page.GetByTestId("label-id")).ToHaveTextAsync(labelId.ToString());
        await Assertions.Expect(page.GetByTestId("label-prompt")).ToHaveTextAsync(chain.Submitted.Prompt);
        await Assertions.Expect(page.GetByTestId("judgement-row")).ToHaveCountAsync(label.Judgements.Count);
        Assert.Equal(4, label.Judgements.Count); // 2 principles × both option orders
        var constitution = ConstitutionLoader.LoadDefault();
        for (var i = 0; i < label.Judgements.Count; i++)
        {
            var j = label.Judgements[i];
            var row = page.GetByTestId("judgement-row").Nth(i);
            await Assertions.Expect(row.GetByTestId("principle-id")).ToHaveTextAsync(j.PrincipleId);
            await Assertions.Expect(row.GetByTestId("principle-text")).ToHaveTextAsync(constitution.FindComparison(j.PrincipleId)!.Question);
            await Assertions.Expect(row.GetByTestId("judgement-order")).ToHaveTextAsync(j.Order);
            await ExpectProbabilityAsync(row.GetByTestId("judgement-probability"), j.ProbabilityA);
            await ExpectProbabilityAsync(row.GetByTestId("judgement-first"), j.ProbabilityFirstOption);
        }
        await ExpectProbabilityAsync(page.GetByTestId("averaged-probability"), label.AveragedProbabilityA);
        await ExpectProbabilityAsync(page.GetByTestId("final-probability"), label.ProbabilityA);
        await Assertions.Expect(page.GetByTestId("feedback-model")).ToContainTextAsync($"{EchoModel} (checkpoint {label.Provenance.CheckpointHash})");
        await Assertions.Expect(page.GetByTestId("policy-model")).ToContainTextAsync($"(checkpoint {chain.Pair!.Provenance.CheckpointHash})");
        await Assertions.Expect(page.GetByTestId("response-row").Nth(0)).ToContainTextAsync(chain.Pair.A.Text);
        await Assertions.Expect(page.GetByTestId("response-row").Nth(0)).ToContainTextAsync(chain.Pair.A.Seed.ToString(CultureInfo.InvariantCulture)); // all 19 digits
        await Assertions.Expect(page.GetByTestId("response-row").Nth(1)).ToContainTextAsync(chain.Pair.B.Text);
        await Assertions.Expect(page.GetByTestId("event-title")).ToHaveTextAsync(["#1 ComparisonSubmitted", "#2 ResponsePairGenerated", "#3 PreferenceLabelled (Soft)"]);
        await ScreenshotAsync(page, "label");

        // Back to the run → a sample's timeline, each event with its provenance.
        await page.GoBackAsync();
        await Assertions.Expect(page.GetByTestId("run-id")).ToHaveTextAsync(runId.ToString());
        var sampleLink = page.GetByTestId("sample-link").First;
        var sampleId = Guid.Parse(await sampleLink.InnerTextAsync());
        var sampleEvents = await Harness.StreamAsync(store, sampleId);
        await sampleLink.ClickAsync();
        await Assertions.Expect(page.GetByTestId("stream-id")).ToHaveTextAsync(sampleId.ToString());
        await Assertions.Expect(page.GetByTestId("event-title")).ToHaveTextAsync(
            ["#1 PromptSubmitted", "#2 ResponseGenerated", "#3 CritiqueProduced (round 1)", "#4 RevisionProduced (round 1)", "#5 SlExampleFinalized"]);
        var response = (ResponseGenerated)sampleEvents[1].Data;
        var timeline = page.GetByTestId("timeline-event");
        await Assertions.Expect(timeline.Nth(1)).ToContainTextAsync(response.Response);
        await Assertions.Expect(timeline.Nth(1)).ToContainTextAsync($"{EchoModel} (checkpoint {response.Provenance.CheckpointHash})");
        await Assertions.Expect(timeline.Nth(1)).ToContainTextAsync(response.Provenance.StepId.ToString());
        await ScreenshotAsync(page, "timeline");

        // Live: with the runs list open, a new run (whose critic model id is invalid) appears without a reload,
        // and its run page lists each failed sample with the error stored in its SampleStepFailed event.
        await page.GotoAsync(baseUrl);
        await Assertions.Expect(runLink).ToBeVisibleAsync();
        var failing = Harness.Request(Harness.Prompts(2), revisions: 1) with { GeneratorModel = EchoModel, CriticModel = "builtin:echo?latency-ms=soon", ReviserModel = EchoModel };
        var failingRunId = await Harness.SubmitAsync(workers, failing);
        var failingLink = page.GetByTestId("run-link").Filter(new LocatorFilterOptions { HasText = failingRunId.ToString() });
        await Assertions.Expect(failingLink).ToBeVisibleAsync();
        Assert.Equal(2, (await Harness.WaitAsync(workers, failingRunId)).Failed);
        await failingLink.ClickAsync();
        await Assertions.Expect(page.GetByTestId("failure-row")).ToHaveCountAsync(2);
        await using (var session = store.QuerySession())
        {
            var failed = (await RunQueries.SamplesAsync(session, failingRunId, default)).First();
            await Assertions.Expect(page.GetByTestId("failure-row").First).ToContainTextAsync($"{failed.FailureType}: {failed.FailureMessage}");
            await Assertions.Expect(page.GetByTestId("failure-row").First).ToContainTextAsync(failed.FailedStep!);
        }
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("completed");
        await Assertions.Expect(page.GetByTestId("roles").GetByTestId("role-critic")).ToContainTextAsync("0/2 (2 failed)");
        await Assertions.Expect(page.GetByTestId("roles").GetByTestId("role-reviser")).ToContainTextAsync("0/0"); // nothing left for it to do
        await ScreenshotAsync(page, "failures");
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task A_schema_with_nothing_submitted_yet_is_a_503_with_one_line_not_a_stack_trace()
    {
        await using var services = await TestServices.StartAsync();
        // A schema nobody has written to: Marten has created none of its tables there.
        var empty = services.EventStore with { Schema = services.Schema + "_empty" };
        await using var dashboard = DashboardApp.Build(new DashboardOptions
        {
            EventStore = empty,
            Queues = new RabbitManagementOptions(new Uri($"http://{services.Rabbit.Host}:{services.Rabbit.ManagementPort}/api/"), services.VirtualHost, services.Rabbit.Username, services.Rabbit.Password),
            Urls = ["http://127.0.0.1:0"],
        });
        await dashboard.StartAsync();
        var baseUrl = dashboard.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var answer = await http.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("the event store has no tables in this schema yet", error);
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public async Task Cai_dashboard_refuses_a_non_loopback_address_unless_allowed()
    {
        await using var services = await TestServices.StartAsync();
        var refused = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromSeconds(60), "dashboard", "--urls", "http://0.0.0.0:5999");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("http://0.0.0.0:5999 is not a loopback http address", refused.Stderr);
        Assert.Contains("--allow-remote", refused.Stderr);
        Assert.True(BindAddresses.IsLoopback("http://127.0.0.1:5080"));
        Assert.True(BindAddresses.IsLoopback("http://[::1]:5080"));
        Assert.True(BindAddresses.IsLoopback("http://localhost:5080"));
        Assert.Equal(["http://*:5080", "http://+:5080", "http://[::]:1", "http://192.168.1.2:80", "ftp://127.0.0.1"],
            BindAddresses.NotLoopback(["http://*:5080", "http://+:5080", "http://[::]:1", "http://192.168.1.2:80", "ftp://127.0.0.1", "http://127.0.0.2:9"]));
    }

    private const string EchoModel = "builtin:echo";

    /// <summary>Six decimals shown, and the exact stored double kept in data-value.</summary>
    private static async Task ExpectProbabilityAsync(ILocator locator, double stored)
    {
        await Assertions.Expect(locator).ToHaveTextAsync(stored.ToString("F6", CultureInfo.InvariantCulture));
        Assert.Equal(stored, double.Parse((await locator.GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture));
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (string.IsNullOrEmpty(ScreenshotDir)) return;
        Directory.CreateDirectory(ScreenshotDir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, $"{name}.png"), FullPage = true });
    }
}
