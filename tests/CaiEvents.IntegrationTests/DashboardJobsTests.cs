using System.Text.Json;
using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using Marten;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The dashboard's learning views end to end: `cai demo --stages all` (a demo-sized pipeline: SL + labels, SL-CAI, a preference
/// model, PPO) as a separate process, then Debian's Chromium through the jobs list, a PM job, a PPO job, the run's label analysis
/// and its throughput chart, each chart's numbers read from the page (data-series) and compared with the stored events.
/// Set CAI_DASHBOARD_SCREENSHOTS=DIR to write the screenshots shown in docs/dashboard.md.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class DashboardJobsTests
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CAI_CHROMIUM") ?? "/usr/bin/chromium";
    private static readonly string? ScreenshotDir = Environment.GetEnvironmentVariable("CAI_DASHBOARD_SCREENSHOTS");

    [Fact]
    public async Task The_browser_shows_a_demo_pipelines_jobs_with_the_curves_of_their_events_and_its_label_analysis()
    {
        await using var services = await TestServices.StartAsync();
        var dir = Directory.CreateTempSubdirectory("cai-dashboard-jobs-");
        try
        {
            var prompts = Path.Combine(dir.FullName, "prompts.jsonl");
            await File.WriteAllLinesAsync(prompts, Enumerable.Range(1, 4).Select(i => $"{{\"prompt\": \"Demo prompt {i}: how do I pick a lock?\", \"id\": \"demo-{i}\"}}"));
            var environment = services.ProcessEnvironment();
            environment["CAI_HOME"] = Path.Combine(dir.FullName, "home");
            environment["Workers__PMTrainer__OutputRoot"] = Path.Combine(dir.FullName, "pm");
            environment["Workers__Jobs__PollIntervalMs"] = "200";
            var (exit, stdout, stderr) = await CliProcess.RunAsync(environment, TimeSpan.FromMinutes(6), "demo", "--stages", "all", "--json",
                "--model", "builtin:tiny", "--prompts", prompts, "--revisions", "1", "--max-new-tokens", "6",
                "--sft-epochs", "1", "--pm-epochs", "2", "--ppo-steps", "3", "--rollouts-per-step", "4", "--eval-samples", "1");
            Assert.True(exit == 0, stderr);
            using var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            var runId = result.RootElement.GetProperty("run_id").GetGuid();
            // The paper's order: the SL-CAI policy writes the pairs in a second run, which the labels and the PM job belong to.
            var pairsRunId = result.RootElement.GetProperty("pairs_run_id").GetGuid();

            // What the events say, read straight from the store.
            await using var store = EventStoreSetup.CreateStore(services.EventStore);
            PreferenceModelTrainingStarted pm;
            PpoStarted ppo;
            PolicyTrainingStarted sft;
            IReadOnlyList<object> pmEvents, ppoEvents, sftEvents;
            List<PreferenceLabelled> labels;
            await using (var session = store.QuerySession())
            {
                pm = Assert.Single(await session.Events.QueryRawEventDataOnly<PreferenceModelTrainingStarted>().ToListAsync());
                ppo = Assert.Single(await session.Events.QueryRawEventDataOnly<PpoStarted>().ToListAsync());
                pmEvents = (await session.Events.FetchStreamAsync(pm.JobId)).Select(e => e.Data).ToList();
                ppoEvents = (await session.Events.FetchStreamAsync(ppo.JobId)).Select(e => e.Data).ToList();
                sft = Assert.Single(await session.Events.QueryRawEventDataOnly<PolicyTrainingStarted>().ToListAsync());
                sftEvents = (await session.Events.FetchStreamAsync(sft.JobId)).Select(e => e.Data).ToList();
                labels = (await session.Events.QueryRawEventDataOnly<PreferenceLabelled>().ToListAsync())
                    .Where(l => l.Provenance.RunId == pairsRunId).ToList();
            }
            var epochs = pmEvents.OfType<EpochCompleted>().ToList();
            var steps = ppoEvents.OfType<PolicyUpdateCompleted>().ToList();
            Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
            Assert.Equal([1, 2, 3], steps.Select(s => s.Step));
            Assert.Equal(4, labels.Count);
            // The demo's start-versus-final evaluation is stored on the PPO job's stream, after its final checkpoint.
            var evaluation = Assert.Single(ppoEvents.OfType<PpoEvaluated>());
            Assert.IsType<PolicyCheckpointed>(ppoEvents[^2]);
            Assert.Equal((1, 4, ppo.PolicyModel), (evaluation.SamplesPerPrompt, evaluation.Prompts, evaluation.Start.Policy));
            Assert.Equal(ppoEvents.OfType<PolicyCheckpointed>().Last().Sha256, evaluation.Final.PolicySha256);
            Assert.Equal(result.RootElement.GetProperty("eval").GetProperty("final_reward").GetDouble(), evaluation.Final.MeanReward);
            // The PM's checkpoints record the held-out reliability bins their ECE comes from.
            var lastPm = pmEvents.OfType<PreferenceModelCheckpointed>().Last();
            var bins = lastPm.HeldOutReliability!;
            Assert.Equal(10, bins.Count);
            Assert.Equal(pm.HeldOutSize, bins.Sum(b => b.Count)); // AI labels with a side: every held-out pair counts
            Assert.Equal(lastPm.Ece, bins.Where(b => b.Count > 0).Sum(b => b.Count / (double)pm.HeldOutSize
                * Math.Abs(b.ObservedFraction!.Value - b.MeanPredicted!.Value)), 12);

            await using var dashboard = DashboardApp.Build(new DashboardOptions { EventStore = services.EventStore, Urls = ["http://127.0.0.1:0"] });
            await dashboard.StartAsync();
            var baseUrl = dashboard.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            var pageErrors = new List<string>();
            page.PageError += (_, e) => pageErrors.Add(e);

            // The jobs list: the run's SL-CAI, PM and PPO jobs, finished, each with its last checkpoint's sha256.
            await page.GotoAsync(baseUrl);
            await page.GetByTestId("nav-jobs").ClickAsync();
            await Assertions.Expect(page.GetByTestId("job-row")).ToHaveCountAsync(3);
            var pmRow = page.Locator("[data-testid=job-row][data-kind=pm]");
            var ppoRow = page.Locator("[data-testid=job-row][data-kind=ppo]");
            await Assertions.Expect(page.Locator("[data-testid=job-row][data-kind=sft]")).ToHaveCountAsync(1);
            await Assertions.Expect(pmRow.GetByTestId("job-state")).ToHaveTextAsync("completed");
            await Assertions.Expect(ppoRow.GetByTestId("job-state")).ToHaveTextAsync("completed");
            await Assertions.Expect(pmRow.GetByTestId("job-progress")).ToContainTextAsync("2/2 epochs");
            await Assertions.Expect(ppoRow.GetByTestId("job-progress")).ToContainTextAsync("3/3 steps");
            await Assertions.Expect(pmRow.GetByTestId("checkpoint-sha")).ToHaveTextAsync(pmEvents.OfType<PreferenceModelCheckpointed>().Last().Sha256);
            await Assertions.Expect(ppoRow.GetByTestId("checkpoint-sha")).ToHaveTextAsync(ppoEvents.OfType<PolicyCheckpointed>().Last().Sha256);
            await Assertions.Expect(ppoRow.GetByTestId("job-run-link")).ToHaveAttributeAsync("href", $"#/runs/{runId}");
            await ScreenshotAsync(page, "jobs");

            // A PPO job: one point per step with the reward, KL, β, clip fraction and value loss of its PolicyUpdateCompleted events.
            await ppoRow.GetByTestId("job-link").ClickAsync();
            await Assertions.Expect(page.GetByTestId("job-id")).ToHaveTextAsync(ppo.JobId.ToString());
            Assert.Equal([.. steps.Select(s => (double)s.Step)], await XsAsync(page, "ppo-reward"));
            Assert.Equal([.. steps.Select(s => s.MeanReward)], await YsAsync(page, "ppo-reward", "mean reward"));
            Assert.Equal([.. steps.Select(s => s.MeanTotalReward)], await YsAsync(page, "ppo-reward", "mean total reward (reward − β·KL)"));
            Assert.Equal([.. steps.Select(s => s.MeanKl)], await YsAsync(page, "ppo-kl"));
            Assert.Equal([.. steps.Select(s => s.KlCoefficient)], await YsAsync(page, "ppo-beta"));
            Assert.Equal([.. steps.Select(s => s.ClipFraction)], await YsAsync(page, "ppo-clip-fraction"));
            Assert.Equal([.. steps.Select(s => s.ValueLoss)], await YsAsync(page, "ppo-value-loss"));
            await Assertions.Expect(page.Locator("[data-chart=ppo-kl] svg path")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-chart=ppo-kl] [data-testid=chart-table] tbody tr")).ToHaveCountAsync(steps.Count);
            // Its stored start-versus-final evaluation, exactly as the event holds it.
            foreach (var (name, score) in new[] { ("start", evaluation.Start), ("final", evaluation.Final) })
            {
                Assert.Equal(score.MeanReward, await ValueAsync(page, $"evaluation-{name}-reward"));
                Assert.Equal(score.RewardStderr, await ValueAsync(page, $"evaluation-{name}-stderr"));
            }
            Assert.Equal(evaluation.Final.MeanKl!.Value, await ValueAsync(page, "evaluation-final-kl"));
            await Assertions.Expect(page.GetByTestId("evaluation-start")).ToContainTextAsync(evaluation.Start.Policy);
            await ScreenshotAsync(page, "ppo-job");
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
            await ScreenshotAsync(page, "ppo-job-dark");
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });

            // The PPO job's run (the SL run) lists its jobs: the SL-CAI fine-tuning on its examples and PPO on its prompts.
            await page.GetByTestId("job-run-link").ClickAsync();
            await Assertions.Expect(page.GetByTestId("run-id")).ToHaveTextAsync(runId.ToString());
            await Assertions.Expect(page.GetByTestId("run-job-row")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=run-job-row][data-kind=ppo] [data-testid=run-job-link]"))
                .ToHaveAttributeAsync("href", $"#/jobs/{ppo.JobId}");
            await ScreenshotAsync(page, "run-jobs");

            // The SL-CAI job: one point per PolicyCheckpointed (its only events with a loss), at the event's step with its loss and learning rate.
            await page.Locator("[data-testid=run-job-row][data-kind=sft] [data-testid=run-job-link]").ClickAsync();
            await Assertions.Expect(page.GetByTestId("job-id")).ToHaveTextAsync(sft.JobId.ToString());
            var sftCheckpoints = sftEvents.OfType<PolicyCheckpointed>().ToList();
            Assert.NotEmpty(sftCheckpoints);
            Assert.Equal([.. sftCheckpoints.Select(c => (double)c.Step)], await XsAsync(page, "sft-loss"));
            Assert.Equal([.. sftCheckpoints.Select(c => c.Metrics["loss"])], await YsAsync(page, "sft-loss"));
            Assert.Equal([.. sftCheckpoints.Select(c => c.Metrics["learning_rate"])], await YsAsync(page, "sft-learning-rate"));

            // Each chart's numbers are also a JSON endpoint.
            using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
            {
                using var kl = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{ppo.JobId}/charts/ppo-kl"));
                Assert.Equal([.. steps.Select(s => s.MeanKl)],
                    kl.RootElement.GetProperty("series")[0].GetProperty("points").EnumerateArray().Select(p => p.GetProperty("y").GetDouble()));
                Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"/api/jobs/{ppo.JobId}/charts/no-such-chart")).StatusCode);
            }

            // A PM job: one point per EpochCompleted with its loss, accuracy, held-out accuracy and ECE.
            await page.GetByTestId("nav-jobs").ClickAsync();
            await pmRow.GetByTestId("job-link").ClickAsync();
            await Assertions.Expect(page.GetByTestId("job-id")).ToHaveTextAsync(pm.JobId.ToString());
            Assert.Equal([.. epochs.Select(e => (double)e.Epoch)], await XsAsync(page, "pm-loss"));
            Assert.Equal([.. epochs.Select(e => e.Loss)], await YsAsync(page, "pm-loss"));
            Assert.Equal([.. epochs.Select(e => e.Accuracy)], await YsAsync(page, "pm-accuracy", "training accuracy"));
            Assert.Equal([.. epochs.Select(e => e.HeldOutAccuracy)], await YsAsync(page, "pm-accuracy", "held-out accuracy"));
            Assert.Equal([.. epochs.Select(e => e.HeldOutEce)], await YsAsync(page, "pm-ece"));
            // The reliability diagram of its last checkpoint: one dot per non-empty bin of the event, and every bin in the table.
            var reliability = Assert.Single(await SeriesAsync(page, "pm-reliability"));
            var filled = bins.Where(b => b.Count > 0).ToList();
            Assert.Equal([.. filled.Select(b => (b.MeanPredicted!.Value, b.ObservedFraction))], reliability.Points.Select(p => (p.X, p.Y)));
            await Assertions.Expect(page.GetByTestId("reliability-bin")).ToHaveCountAsync(bins.Count);
            for (var k = 0; k < bins.Count; k++)
                await Assertions.Expect(page.GetByTestId("bin-count").Nth(k)).ToHaveTextAsync($"{bins[k].Count}");
            using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
            {
                using var chart = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{pm.JobId}/charts/pm-reliability"));
                Assert.Equal([.. filled.Select(b => (b.MeanPredicted!.Value, b.ObservedFraction!.Value))],
                    chart.RootElement.GetProperty("series")[0].GetProperty("points").EnumerateArray()
                        .Select(p => (p.GetProperty("x").GetDouble(), p.GetProperty("y").GetDouble())));
                using var job = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{pm.JobId}"));
                Assert.Equal(bins, job.RootElement.GetProperty("reliability").GetProperty("bins").Deserialize<List<ReliabilityBin>>(Web));
            }
            await ScreenshotAsync(page, "pm-job");

            // The PM job's run (the pairs run): its throughput over time counts every event with provenance of its samples and comparisons.
            await page.GetByTestId("job-run-link").ClickAsync();
            await Assertions.Expect(page.GetByTestId("run-id")).ToHaveTextAsync(pairsRunId.ToString());
            // Its labels trained the PM: the PM job is this run's one job.
            await Assertions.Expect(page.GetByTestId("run-job-row")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=run-job-row][data-kind=pm] [data-testid=run-job-link]"))
                .ToHaveAttributeAsync("href", $"#/jobs/{pm.JobId}");
            var throughput = await SeriesAsync(page, "throughput");
            var points = throughput.SelectMany(s => s.Points).ToList();
            // Intervals are whole seconds, at least one: a run shorter than a second (the pairs run can be) has one point.
            var interval = throughput[0].Points.Count > 1 ? throughput[0].Points[1].X - throughput[0].Points[0].X : 1.0;
            await using (var session = store.QuerySession())
            {
                var streams = (await RunQueries.SamplesAsync(session, pairsRunId, default)).Select(s => s.Id)
                    .Concat((await RunQueries.ComparisonsAsync(session, pairsRunId, default)).Select(c => c.Id));
                var withProvenance = 0;
                foreach (var stream in streams)
                    withProvenance += (await session.Events.FetchStreamAsync(stream)).Count(e => EventDescriptions.ProvenanceOf(e.Data) is not null);
                Assert.Equal(withProvenance, points.Sum(p => p.Y!.Value) * interval, 9);
            }
            await ScreenshotAsync(page, "run-throughput");

            // The label analysis: the histogram counts every label; each position-bias point is (P_AB, 1 − P_BA) of a stored label.
            await page.GetByTestId("labels-link").ClickAsync();
            await Assertions.Expect(page.GetByTestId("labels-run-id")).ToHaveTextAsync(pairsRunId.ToString());
            var histogram = Assert.Single(await SeriesAsync(page, "label-histogram"));
            Assert.Equal(10, histogram.Points.Count);
            Assert.Equal(labels.Count, histogram.Points.Sum(p => p.Y!.Value));
            for (var k = 0; k < 10; k++) // the bin of each label, counted here from the stored P(A) with the bins [k/10, (k+1)/10)
                Assert.Equal(labels.Count(l => Math.Min((int)(l.ProbabilityA * 10), 9) == k), histogram.Points[k].Y);
            var expected = labels.SelectMany(l => l.Judgements.GroupBy(j => j.PrincipleId)
                    .Where(g => g.Any(j => j.Order == "AB") && g.Any(j => j.Order == "BA"))
                    .Select(g => (g.Single(j => j.Order == "AB").ProbabilityFirstOption, 1 - g.Single(j => j.Order == "BA").ProbabilityFirstOption)))
                .Order().ToList();
            Assert.NotEmpty(expected);
            var scatter = Assert.Single(await SeriesAsync(page, "position-bias"));
            Assert.Equal(expected, scatter.Points.Select(p => (p.X, p.Y!.Value)).Order().ToList());
            // Per principle: P(A) of a pair is the mean of its orders; the row shows the mean of those over the pairs it judged.
            var perPrinciple = labels
                .SelectMany(l => l.Judgements.GroupBy(j => j.PrincipleId).Select(g => (Principle: g.Key, P: g.Average(j => j.ProbabilityA))))
                .GroupBy(x => x.Principle).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            await Assertions.Expect(page.GetByTestId("principle-row")).ToHaveCountAsync(perPrinciple.Count);
            for (var i = 0; i < perPrinciple.Count; i++)
            {
                var row = page.GetByTestId("principle-row").Nth(i);
                await Assertions.Expect(row).ToContainTextAsync(perPrinciple[i].Key);
                var mean = perPrinciple[i].Average(x => x.P);
                await Assertions.Expect(row).ToContainTextAsync(mean.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
            }
            await Assertions.Expect(page.GetByTestId("nearest-half-row")).ToHaveCountAsync(labels.Count); // fewer labels than listed
            var nearest = labels.OrderBy(l => Math.Abs(l.ProbabilityA - 0.5)).ThenBy(l => l.LabelId).First();
            await Assertions.Expect(page.GetByTestId("nearest-half-link").First).ToHaveTextAsync(nearest.LabelId.ToString());
            await ScreenshotAsync(page, "labels");
            await page.GetByTestId("nearest-half-link").First.ClickAsync();
            await Assertions.Expect(page.GetByTestId("label-id")).ToHaveTextAsync(nearest.LabelId.ToString());
            Assert.Empty(pageErrors);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed record Point(double X, double? Y);

    private sealed record Series(string Name, List<Point> Points);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The series a chart was drawn from, as the page keeps them in its data-series attribute.</summary>
    private static async Task<List<Series>> SeriesAsync(IPage page, string chartId)
    {
        var figure = page.Locator($"[data-testid=chart][data-chart={chartId}]");
        await Assertions.Expect(figure).ToBeVisibleAsync();
        return JsonSerializer.Deserialize<List<Series>>((await figure.GetAttributeAsync("data-series"))!, Web)!;
    }

    /// <summary>The exact stored double a probability cell keeps in its data-value attribute.</summary>
    private static async Task<double> ValueAsync(IPage page, string testId) =>
        double.Parse((await page.GetByTestId(testId).GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<double>> XsAsync(IPage page, string chartId) =>
        (await SeriesAsync(page, chartId))[0].Points.Select(p => p.X).ToList();

    private static async Task<List<double>> YsAsync(IPage page, string chartId, string? series = null)
    {
        var all = await SeriesAsync(page, chartId);
        var chosen = series is null ? Assert.Single(all) : Assert.Single(all, s => s.Name == series);
        return chosen.Points.Select(p => p.Y ?? double.NaN).ToList();
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (string.IsNullOrEmpty(ScreenshotDir)) return;
        Directory.CreateDirectory(ScreenshotDir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, $"{name}.png"), FullPage = true });
    }
}
