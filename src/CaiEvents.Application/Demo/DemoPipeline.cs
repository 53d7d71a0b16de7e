using System.Diagnostics;
using System.Globalization;
using CaiEvents.Application.Evaluation;
using CaiEvents.Application.Hosts;
using CaiEvents.Application.Runs;
using CaiEvents.Application.Training;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Marten;
using CaiEvents.Workers.PPOLearner;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Demo;

/// <summary>
/// <c>cai demo</c> in the paper's order, every role in this process: the SL run (critiques and revisions), SL-CAI fine-tuning on its
/// examples, a second run in which the SL-CAI policy writes the response pairs and the feedback model labels them, a preference model on
/// those labels, PPO from the SL-CAI policy against it, and an evaluation of start vs final policy. Every stage goes through the same use
/// case as its own command (<c>cai run</c>, <c>cai sft</c>, <c>cai run --pairs --no-sl --policy</c>, <c>cai pm train</c>,
/// <c>cai ppo train</c>, <c>cai ppo eval</c>). The same seed gives the same artefacts: keep the calls and their parameters.
/// </summary>
public static class DemoPipeline
{
    /// <summary>Seed of the start-vs-final evaluation (one the PPO training did not use).</summary>
    public const long EvaluationSeed = 20_000;

    public static async Task<DemoOutcome> RunAsync(DemoRequest request, IConfiguration configuration, IDemoPipelineObserver observer, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        RunState run;
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        // With every stage, the SL run has no pairs: the SL-CAI policy writes them after fine-tuning (the paper's order).
        var pairsRequest = request.Stages == DemoStages.All ? request.Run?.Feedback : null;
        if (request.Run is null)
        {
            var runId = request.RlRun ?? throw new ArgumentException("a demo needs a run request or an existing run", nameof(request));
            await using var query = store.QuerySession();
            run = await RunQueries.LoadRunAsync(query, runId, ct) ?? throw new UsageException($"--run: run {runId} does not exist");
        }
        else
        {
            var slRequest = pairsRequest is null ? request.Run : request.Run with { Feedback = null };
            run = await RunInProcess.RunAsync(slRequest, TransportKind.InMemory, request.Concurrency, TimeSpan.FromHours(1), configuration, observer.Run, ct);
        }
        var datasets = Path.Combine(CaiHome.Directory(configuration), "datasets");
        Directory.CreateDirectory(datasets);
        var slPath = Path.Combine(datasets, $"sl-{run.Id}.jsonl");
        int slCount;
        await using (var session = store.QuerySession())
            slCount = await SlDatasetExport.WriteFileAsync(session, run.Id, slPath, ct);
        if (request.Stages == DemoStages.Sl) return new DemoOutcome(run, slPath, slCount, null, started.Elapsed);

        // 1. The SL run's examples (and, for a run that has them already, its labels).
        int runLabels;
        await using (var session = store.QuerySession())
            runLabels = (await RunQueries.ComparisonsAsync(session, run.Id, ct)).Count(c => c.Status == Domain.Rl.ComparisonStatus.Labelled);
        observer.SlStageDone(run, slCount, runLabels, started.Elapsed);
        if (slCount == 0) return new DemoOutcome(run, slPath, slCount, null, started.Elapsed) { RlSkipped = true, SkippedLabels = runLabels };
        var rl = await RunRlStagesAsync(run, slCount, request.Run, pairsRequest, request.Concurrency, request.Settings, configuration, observer, ct);
        return rl is null
            ? new DemoOutcome(run, slPath, slCount, null, started.Elapsed) { RlSkipped = true }
            : new DemoOutcome(run, slPath, slCount, rl, started.Elapsed);
    }

    private static async Task<DemoRlArtefacts?> RunRlStagesAsync(RunState run, int slCount, RunRequest? slRequest, FeedbackConfiguration? feedback,
        int? concurrency, DemoSettings settings, IConfiguration configuration, IDemoPipelineObserver observer, CancellationToken ct)
    {
        var stage = Stopwatch.StartNew();
        TimeSpan Took()
        {
            var took = stage.Elapsed;
            stage.Restart();
            return took;
        }

        // 2. SL-CAI: fine-tune the generator model on the run's SL examples (cai sft's defaults but the epochs).
        var root = Path.Combine(CaiHome.Directory(configuration), "demo", run.Id.ToString());
        // The output directories name the settings, so `--stages rl` again on the same run resumes (or returns) the same jobs, and other settings get new ones.
        var sft = await SlCaiFineTuning.RunAsync(run.Id, Path.Combine(root, $"sft-{settings.SftEpochs}ep"), null, null,
            new SftHyperParameters(settings.SftEpochs, 8, 3e-4, 10, 0.1, 0.0, 1.0, 512, 50, run.Configuration.Seed), configuration, observer.Sft, ct);
        observer.SftStageDone(sft, slCount, Took());
        var policy = ModelIds.Hf(sft.Path);

        // 3. Response pairs written by the SL-CAI policy, labelled by the feedback model: a run of the same prompts with no SL stage and the
        // SL-CAI checkpoint as its policy (its provenance names that checkpoint's hash). --stages rl on an existing run finds that run again,
        // or uses the run's own labels when it has them (a run made with --pairs).
        var labelRun = await PairsRunAsync(run, policy, slRequest, feedback, concurrency, configuration, observer, ct);
        if (labelRun is null) return null;
        var datasets = Path.Combine(CaiHome.Directory(configuration), "datasets");
        var preferencePath = Path.Combine(datasets, $"preferences-{labelRun.Id}.jsonl");
        int labels;
        await using (var store = await EventStoreAccess.OpenAsync(configuration, ct))
        await using (var session = store.QuerySession())
            labels = await PreferenceDatasetExport.WriteFileAsync(session, labelRun.Id, preferencePath, ct);
        observer.PairsStageDone(labelRun, labels, Took());
        if (labels == 0) return null;

        // 4. Preference model on those labels, by the PMTrainer role in this process (cai pm train's defaults but the epochs).
        var pmHyperParameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["base_model"] = run.Configuration.GeneratorModel,
            ["epochs"] = settings.PmEpochs.ToString(CultureInfo.InvariantCulture),
            ["lr"] = "5e-4",
            ["batch_size"] = "16",
            ["heldout_fraction"] = "0.2",
        };
        var (pmJob, _, pm) = await PreferenceModelTraining.TrainAsync(labelRun.Id, null, run.Configuration.Seed, pmHyperParameters, TransportKind.InMemory,
            local: true, TimeSpan.FromHours(1), configuration, observer.PreferenceModel, ct);
        observer.PmStageDone(pmJob, settings.PmEpochs, labels, pm, Took());

        // 5. PPO from the SL-CAI policy against that PM, by the PPOLearner role in this process: docs/ppo.md's recipe, but 20 steps and a
        // fixed β = 0.2 (kl_target 0). In 20 steps the adaptive coefficient of that recipe first falls while the KL is under target and the
        // KL then overshoots (11 nats at step 20 here); a fixed β kept it near 2 nats (README "Two commands").
        var maxNew = Math.Min(48, run.Configuration.GeneratorSampling.MaxNewTokens);
        var values = PolicyOptimisation.HyperParameterValues(settings.RolloutsPerStep, Math.Min(8, settings.RolloutsPerStep), 2, 3e-5, klCoef: 0.2,
            klTarget: 0, klHorizon: 64, maxNew, checkpointEvery: 10);
        PpoHyperParameters hp;
        try
        {
            hp = PpoCommandRequest.Parse(settings.PpoSteps, run.Configuration.Seed, values);
            PpoJob.Validate(hp);
        }
        catch (Exception e) when (e is ArgumentException or Domain.InputException)
        {
            throw new UsageException($"demo: {e.Message}");
        }
        var ppoDirectory = Path.Combine(root, $"ppo-{pmJob:N}-{settings.PpoSteps}x{settings.RolloutsPerStep}");
        var ppo = await PolicyOptimisation.TrainAsync(run.Id, pm.Path, policy, ppoDirectory, hp, values, PpoCommandRequest.InProcess,
            PpoCommandRequest.RolloutMode(PpoCommandRequest.InProcess), TransportKind.InMemory, local: true,
            TimeSpan.FromHours(1), configuration, observer.Ppo, ct);
        observer.PpoStageDone(ppo, settings.RolloutsPerStep, Took());

        // 6. Start vs final policy on the run's prompts, the same seeded samples for both (cai ppo eval), stored on the PPO job's stream.
        var evaluated = await PpoJobEvaluation.EvaluateAndRecordAsync(ppo.JobId, settings.EvalSamples, EvaluationSeed, maxNew, configuration,
            observer.EvaluationProgress, ct);
        var (start, final) = (PpoJobEvaluation.Result(evaluated, evaluated.Start), PpoJobEvaluation.Result(evaluated, evaluated.Final));
        observer.EvalStageDone(start, final, Took());
        return new DemoRlArtefacts(preferencePath, labels, sft, pmJob, pm, ppo, start, final) { PairsRun = labelRun.Id };
    }

    /// <summary>
    /// The run whose labels train the preference model: a new pairs-only run by the SL-CAI policy (with every stage), else an earlier such
    /// run of the same prompts and policy, else the run itself when it has labels; null when there is none.
    /// </summary>
    private static async Task<RunState?> PairsRunAsync(RunState run, string policy, RunRequest? slRequest, FeedbackConfiguration? feedback,
        int? concurrency, IConfiguration configuration, IDemoPipelineObserver observer, CancellationToken ct)
    {
        if (slRequest is not null && feedback is not null)
        {
            var pairs = slRequest with { Feedback = feedback with { PolicyModel = policy }, RunSlStage = false };
            return await RunInProcess.RunAsync(pairs, TransportKind.InMemory, concurrency, TimeSpan.FromHours(1), configuration, observer.Run, ct);
        }
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        await using var session = store.QuerySession();
        var earlier = (await session.Events.QueryRawEventDataOnly<RunStarted>().ToListAsync(ct))
            .Where(r => r.Configuration is { RunSlStage: false, Feedback.PolicyModel: var p } && p == policy
                        && r.Configuration.PromptSetHash == run.Configuration.PromptSetHash)
            .OrderByDescending(r => r.StartedAt).FirstOrDefault();
        if (earlier is not null) return await RunQueries.LoadRunAsync(session, earlier.RunId, ct);
        return run.PairCount > 0 ? run : throw new UsageException(
            $"--run: run {run.Id} has no AI labels and no pairs run of its SL-CAI policy yet; cai demo --stages all makes both");
    }
}
