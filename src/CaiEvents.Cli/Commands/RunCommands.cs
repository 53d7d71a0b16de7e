using System.CommandLine;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Domain.Rl;
using CaiEvents.Hosting;
using CaiEvents.Workers;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog.Events;

namespace CaiEvents.Cli.Commands;

/// <summary>demo, run, submit and resume: the commands that start or drive a run.</summary>
public static class RunCommands
{
    private sealed record RunInputs(Option<FileInfo?> Prompts, Option<FileInfo?> Constitution, Option<int> Revisions, Option<long> Seed,
        Option<string?> Model, Option<int> MaxNewTokens, Option<double> Temperature, Option<double> TopP)
    {
        public readonly Option<bool> Pairs = new("--pairs") { Description = "Also run the RL labelling stage: two responses per prompt, labelled (A)/(B) by the feedback model" };
        public readonly Option<bool> NoSl = new("--no-sl") { Description = "With --pairs: run only the RL labelling stage" };
        public readonly Option<string?> Policy = new("--policy") { Description = "Model that writes the response pairs: a model id, or sft:RUN for the final checkpoint of RUN's latest `cai sft` job (default: --model)" };
        public readonly Option<string?> FeedbackModel = new("--feedback-model") { Description = "Model that labels the pairs (default: --model)" };
        public readonly Option<int> PrinciplesPerLabel = new("--principles") { Description = "Comparison principles averaged per label (ensemble)", DefaultValueFactory = _ => 2 };
        public readonly Option<string> LabelModeOption = new("--label-mode") { Description = "soft (default), hard, or cot (chain of thought, clamped to [0.4, 0.6])", DefaultValueFactory = _ => "soft" };

        public static RunInputs Create(bool promptsRequired, double temperature = 0.8) => new(
            new Option<FileInfo?>("--prompts") { Description = "Prompt set (JSONL: {\"prompt\": ..., \"id\"?: ..., \"kind\"?: ...} per line)", Required = promptsRequired },
            new Option<FileInfo?>("--constitution") { Description = "Constitution YAML (default: the embedded constitutions/default.yaml)" },
            new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 },
            new Option<long>("--seed") { Description = "Run seed: principle choices and sampling derive from it", DefaultValueFactory = _ => 42 },
            new Option<string?>("--model") { Description = "Model id for all SL roles: builtin:demo, builtin:tiny, hf:DIR or openai:URL#NAME (default: Models:Default)" },
            new Option<int>("--max-new-tokens") { Description = "Tokens generated per step", DefaultValueFactory = _ => 64 },
            new Option<double>("--temperature") { Description = "Sampling temperature (0 = greedy)", DefaultValueFactory = _ => temperature },
            new Option<double>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 0.95 });

        public void AddTo(Command command)
        {
            command.Options.Add(Prompts);
            command.Options.Add(Constitution);
            command.Options.Add(Revisions);
            command.Options.Add(Seed);
            command.Options.Add(Model);
            command.Options.Add(MaxNewTokens);
            command.Options.Add(Temperature);
            command.Options.Add(TopP);
            command.Options.Add(Pairs);
            command.Options.Add(NoSl);
            command.Options.Add(Policy);
            command.Options.Add(FeedbackModel);
            command.Options.Add(PrinciplesPerLabel);
            command.Options.Add(LabelModeOption);
        }

        /// <summary>Reads and validates every input before anything is written.</summary>
        public RunRequest Read(ParseResult parse, IConfiguration configuration, string? defaultModel = null, bool withPairs = false)
        {
            var revisions = parse.GetValue(Revisions);
            if (revisions is < 1 or > RunSubmitter.MaxRevisions)
                throw new UsageException($"--revisions: must be between 1 and {RunSubmitter.MaxRevisions}, got {revisions}");
            var maxNew = parse.GetValue(MaxNewTokens);
            if (maxNew is < 1 or > 1024) throw new UsageException($"--max-new-tokens: must be between 1 and 1024, got {maxNew}");
            var temperature = parse.GetValue(Temperature);
            if (temperature is < 0 or > 5 || double.IsNaN(temperature)) throw new UsageException($"--temperature: must be between 0 and 5, got {temperature}");
            var topP = parse.GetValue(TopP);
            if (topP is <= 0 or > 1 || double.IsNaN(topP)) throw new UsageException($"--top-p: must be in (0, 1], got {topP}");
            var promptsFile = parse.GetValue(Prompts);
            var constitutionFile = parse.GetValue(Constitution);
            var prompts = promptsFile is null ? PromptSetLoader.LoadDefault() : PromptSetLoader.LoadFile(promptsFile.FullName);
            var constitution = constitutionFile is null ? ConstitutionLoader.LoadDefault() : ConstitutionLoader.LoadFile(constitutionFile.FullName);
            var model = parse.GetValue(Model) ?? defaultModel ?? configuration["Models:Default"] ?? "builtin:tiny";
            var sampling = new SamplingParameters(Temperature: temperature, TopP: topP, MaxNewTokens: maxNew);
            FeedbackConfiguration? feedback = null;
            if (withPairs || parse.GetValue(Pairs))
            {
                var k = parse.GetValue(PrinciplesPerLabel);
                if (k < 1 || k > constitution.Comparison.Count)
                    throw new UsageException($"--principles: must be between 1 and {constitution.Comparison.Count} (the constitution's comparison principles), got {k}");
                var mode = parse.GetValue(LabelModeOption)!.ToLowerInvariant() switch
                {
                    "soft" => LabelMode.Soft,
                    "hard" => LabelMode.Hard,
                    "cot" or "chain-of-thought" => LabelMode.ChainOfThought,
                    var other => throw new UsageException($"--label-mode: '{other}' is not one of soft, hard, cot"),
                };
                // Pairs are sampled at temperature 1 so the two responses differ; reasoning is sampled like other steps.
                feedback = new FeedbackConfiguration(parse.GetValue(Policy) ?? model, sampling with { Temperature = Math.Max(temperature, 1.0) },
                    parse.GetValue(FeedbackModel) ?? model, k, mode, LabelClampBand.Low, LabelClampBand.High, sampling, FeedbackPrompt.TemplateVersion);
            }
            else if (parse.GetValue(NoSl))
            {
                throw new UsageException("--no-sl: only meaningful with --pairs");
            }
            return new RunRequest(prompts, promptsFile?.FullName ?? "embedded:default-prompts.jsonl",
                constitution, constitutionFile?.FullName ?? "embedded:constitutions/default.yaml",
                revisions, parse.GetValue(Seed),
                configuration["Models:Generator"] ?? model, configuration["Models:Critic"] ?? model, configuration["Models:Reviser"] ?? model,
                sampling, feedback, RunSlStage: !parse.GetValue(NoSl));
        }
    }

    private static readonly Option<string> Transport = new("--transport")
    {
        Description = "inmemory (one process) or rabbitmq (workers in other processes see the run too)",
        DefaultValueFactory = _ => "inmemory",
    };

    private static readonly Option<int> TimeoutSeconds = new("--timeout") { Description = "Seconds to wait for the run to complete", DefaultValueFactory = _ => 3600 };

    private static readonly Option<int?> Concurrency = new("--concurrency") { Description = "Messages each role processes at once in this process" };

    public static Command Demo()
    {
        // A lower temperature for the small demo model: fewer invented words, same mechanics.
        var inputs = RunInputs.Create(promptsRequired: false, temperature: 0.5);
        var options = new DemoPipeline.Options();
        var command = new Command("demo", "The main job: every role in this process on the shipped prompt set with builtin:demo (trained first if needed): "
            + "SL critiques/revisions and AI preference labels, SL-CAI fine-tuning, a preference model, PPO and its evaluation; prints the artefacts' paths.");
        inputs.AddTo(command);
        command.Options.Add(Concurrency);
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = Cli.Configuration();
            var stages = options.ReadStages(parse);
            if (stages == DemoPipeline.Stages.All && parse.GetValue(inputs.NoSl))
                throw new UsageException("--no-sl: cai demo --stages all needs the SL stage (its examples are the SL-CAI dataset); use --stages sl --pairs --no-sl");
            var settings = options.Read(parse);
            var rlRun = parse.GetValue(options.Run);
            if ((rlRun is null) == (stages == DemoPipeline.Stages.Rl))
                throw new UsageException(stages == DemoPipeline.Stages.Rl ? "--stages rl: needs --run RUN (a run with SL examples and AI labels)" : "--run: only with --stages rl");
            // Every input is read and checked before anything runs.
            var request = rlRun is not null ? null
                : await ResolvePolicyAsync(inputs.Read(parse, configuration, defaultModel: DemoModel.ModelId, withPairs: stages == DemoPipeline.Stages.All), configuration, ct);
            var runId = rlRun is null ? (Guid?)null : Cli.ParseId(rlRun, "run");
            var started = System.Diagnostics.Stopwatch.StartNew();
            RunState run;
            await using var store = await Cli.OpenStoreAsync(configuration, ct);
            if (request is null)
            {
                await using var query = store.QuerySession();
                run = await RunQueries.LoadRunAsync(query, runId!.Value, ct) ?? throw new UsageException($"--run: run {runId} does not exist");
            }
            else
            {
                EnsureBuiltinModels(request, ct);
                run = await RunInProcessAsync(request, configuration, TransportKind.InMemory, parse.GetValue(Concurrency), TimeSpan.FromHours(1), ct);
            }
            var datasets = Path.Combine(Cli.Home(configuration), "datasets");
            Directory.CreateDirectory(datasets);
            var path = Path.Combine(datasets, $"sl-{run.Id}.jsonl");
            int count;
            await using (var session = store.QuerySession())
                count = await SlDatasetExport.WriteFileAsync(session, run.Id, path, ct);
            if (stages == DemoPipeline.Stages.Sl)
            {
                Console.Error.WriteLine($"Run {run.Id}: {run.Finalized} SL examples, {run.Failed} failed; {count} lines exported.");
                Console.Error.WriteLine($"Audit one with: ./cai audit sample <sample_id from the file>");
                Console.WriteLine(path);
                return Cli.ExitOk;
            }
            return await DemoPipeline.RunRlStagesAsync(store, run, path, count, started, settings, configuration, ct);
        });
        return command;
    }

    public static Command Run()
    {
        var inputs = RunInputs.Create(promptsRequired: true);
        var command = new Command("run", "Host all SL roles in this process, run a prompt set to completion, print the run id.");
        inputs.AddTo(command);
        command.Options.Add(Transport);
        command.Options.Add(Concurrency);
        command.Options.Add(TimeoutSeconds);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = Cli.Configuration();
            var request = await ResolvePolicyAsync(inputs.Read(parse, configuration), configuration, ct);
            var transport = ParseTransport(parse.GetValue(Transport)!);
            EnsureBuiltinModels(request, ct);
            var run = await RunInProcessAsync(request, configuration, transport, parse.GetValue(Concurrency),
                TimeSpan.FromSeconds(parse.GetValue(TimeoutSeconds)), ct);
            Console.Error.WriteLine($"Run completed: {run.Finalized} item(s) finalised (SL examples and labels), {run.Failed} failed.");
            Console.WriteLine(run.Id);
            return run.Failed == 0 ? Cli.ExitOk : Cli.ExitFailure;
        });
        return command;
    }

    public static Command Submit()
    {
        var inputs = RunInputs.Create(promptsRequired: true);
        var command = new Command("submit", "Write a run to the event store and send its first commands over RabbitMQ (workers do the rest); print the run id.");
        inputs.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var configuration = Cli.Configuration();
            var request = await ResolvePolicyAsync(inputs.Read(parse, configuration), configuration, ct);
            EnsureBuiltinModels(request, ct);
            using var host = await StartHostAsync([], TransportKind.RabbitMq, configuration, null, ct, h => CheckModels(h, request));
            var runId = await SubmitAsync(host, request, ct);
            await host.StopAsync(CancellationToken.None);
            Console.WriteLine(runId);
            return Cli.ExitOk;
        });
        return command;
    }

    public static Command Resume()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var command = new Command("resume", "Re-send the next command of every unsettled sample of a run (after an interrupted submit or lost messages).") { runArgument };
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(runArgument)!, "run");
            var configuration = Cli.Configuration();
            using var host = await StartHostAsync([], TransportKind.RabbitMq, configuration, null, ct);
            await using var scope = host.Services.CreateAsyncScope();
            var sent = await scope.ServiceProvider.GetRequiredService<RunSubmitter>().ResumeAsync(runId, ct);
            await host.StopAsync(CancellationToken.None);
            Console.Error.WriteLine($"{sent} command(s) re-sent; consumers ignore any that were already done.");
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>
    /// <c>--policy sft:RUN</c> names the SL-CAI policy of a run: the final checkpoint of its latest finished
    /// <c>cai sft</c> job, resolved now to <c>hf:DIR</c> so the run records exactly which checkpoint it used.
    /// </summary>
    private static async Task<RunRequest> ResolvePolicyAsync(RunRequest request, IConfiguration configuration, CancellationToken ct)
    {
        if (request.Feedback is not { PolicyModel: var policy } feedback || !policy.StartsWith("sft:", StringComparison.Ordinal)) return request;
        var runId = Cli.ParseId(policy["sft:".Length..], "--policy sft: run");
        await using var store = await Cli.OpenStoreAsync(configuration, ct);
        await using var session = store.QuerySession();
        var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, runId, ct)
                         ?? throw new UsageException($"--policy: run {runId} has no finished SL-CAI fine-tuning job (run ./cai sft --run {runId} --out DIR first)");
        Console.Error.WriteLine($"Policy: SL-CAI checkpoint {checkpoint.Path} (sha256 {checkpoint.Sha256[..12]}…) of run {runId}");
        return request with { Feedback = feedback with { PolicyModel = "hf:" + checkpoint.Path } };
    }

    /// <summary>builtin:demo is trained on first use (a few minutes), so runs in this process never meet a missing model.</summary>
    private static void EnsureBuiltinModels(RunRequest request, CancellationToken ct)
    {
        if (new[] { request.GeneratorModel, request.CriticModel, request.ReviserModel, request.Feedback?.PolicyModel, request.Feedback?.FeedbackModel }.Contains(DemoModel.ModelId))
            ModelCommands.EnsureDemoModel(force: false, ct);
    }

    /// <summary>
    /// Loads every model the run names (through the host's model provider, so a run in this process reuses them)
    /// before anything is written: a missing hf: directory, a malformed checkpoint or an unknown id is bad input,
    /// not a run whose every sample fails. <c>submit</c> checks hf: directories on the submitting machine.
    /// </summary>
    private static void CheckModels(IHost host, RunRequest request)
    {
        var models = host.Services.GetRequiredService<IModelProvider>();
        var named = new (string Role, string? Id)[]
        {
            ("generator", request.GeneratorModel), ("critic", request.CriticModel), ("reviser", request.ReviserModel),
            ("policy", request.Feedback?.PolicyModel), ("feedback", request.Feedback?.FeedbackModel),
        };
        foreach (var (role, id) in named.Where(m => m.Id is not null).DistinctBy(m => m.Id))
        {
            try
            {
                models.Get(id!);
            }
            catch (Exception e) when (e is ArgumentException or CheckpointFormatException or IOException or InvalidDataException or FormatException or System.Text.Json.JsonException)
            {
                throw new UsageException($"model '{id}' ({role}): {e.Message}");
            }
        }
    }

    public static TransportKind ParseTransport(string value) => value.ToLowerInvariant() switch
    {
        "inmemory" or "in-memory" => TransportKind.InMemory,
        "rabbitmq" => TransportKind.RabbitMq,
        _ => throw new UsageException($"--transport: '{value}' is not one of inmemory, rabbitmq"),
    };

    /// <param name="beforeStart">Checks that need the host's services but must fail before its bus starts (a host
    /// disposed while its bus is still starting logs a spurious shutdown warning into a one-line error).</param>
    public static async Task<IHost> StartHostAsync(IReadOnlyList<string> roles, TransportKind transport, IConfiguration configuration, int? concurrency,
        CancellationToken ct, Action<IHost>? beforeStart = null, LogEventLevel consoleLogLevel = LogEventLevel.Warning)
    {
        if (concurrency is < 1 or > 256) throw new UsageException($"--concurrency: must be between 1 and 256, got {concurrency}");
        await ServiceReadiness.EnsureEventStoreAsync(CaiHost.EventStoreOptions(configuration), ct);
        if (transport == TransportKind.RabbitMq) await ServiceReadiness.EnsureRabbitMqAsync(CaiHost.RabbitMqOptions(configuration), ct);
        var host = WorkerHost.CreateBuilder(new HostPlan(roles, transport, concurrency, consoleLogLevel)).Build();
        try
        {
            beforeStart?.Invoke(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        await host.StartAsync(ct);
        return host;
    }

    private static async Task<Guid> SubmitAsync(IHost host, RunRequest request, CancellationToken ct)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var submitter = scope.ServiceProvider.GetRequiredService<RunSubmitter>();
        return await submitter.SubmitAsync(request, host.Services.GetRequiredService<WorkerIdentity>().Instance, ct);
    }

    internal static async Task<RunState> RunInProcessAsync(RunRequest request, IConfiguration configuration, TransportKind transport,
        int? concurrency, TimeSpan timeout, CancellationToken ct)
    {
        using var host = await StartHostAsync(WorkerRoles.Runnable, transport, configuration, concurrency, ct, h => CheckModels(h, request));
        var runId = await SubmitAsync(host, request, ct);
        Console.Error.WriteLine($"Run {runId}: {request.Prompts.Count} prompts, {(request.RunSlStage ? $"SL with {request.Revisions} revision round(s)" : "no SL stage")}{(request.Feedback is { } f ? $", RL labels ({f.Mode}, {f.PrinciplesPerLabel} principle(s), both orders)" : "")}, transport {transport}.");
        var run = await Progress.WaitAsync(host.Services.GetRequiredService<IDocumentStore>(), runId, timeout, ct);
        await host.StopAsync(CancellationToken.None);
        return run;
    }
}
