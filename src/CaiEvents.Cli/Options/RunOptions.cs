using System.CommandLine;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Prompts;
using CaiEvents.Domain.Rl;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Cli.Options;

/// <summary>The options that describe a run (prompts, constitution, models, sampling, RL labelling), shared by demo, run and submit.</summary>
internal sealed record RunOptions(Option<FileInfo?> Prompts, Option<FileInfo?> Constitution, Option<int> Revisions, Option<long> Seed,
    Option<string?> Model, Option<int> MaxNewTokens, Option<double> Temperature, Option<double> TopP)
{
    public readonly Option<bool> Pairs = new("--pairs")
    {
        Description = "Also run the RL labelling stage: two responses per prompt, labelled (A)/(B) by the feedback model",
    };

    public readonly Option<bool> NoSl = new("--no-sl") { Description = "With --pairs: run only the RL labelling stage" };

    public readonly Option<string?> Policy = new("--policy")
    {
        Description = "Model that writes the response pairs: a model id, or sft:RUN for the final checkpoint of RUN's latest `cai sft` job (default: --model)",
    };

    public readonly Option<string?> FeedbackModel = new("--feedback-model") { Description = "Model that labels the pairs (default: --model)" };

    public readonly Option<int> PrinciplesPerLabel = new("--principles")
    {
        Description = "Comparison principles averaged per label (ensemble)", DefaultValueFactory = _ => 2,
    };

    public readonly Option<string> LabelModeOption = new("--label-mode")
    {
        Description = FormattableString.Invariant($"soft (default), hard, or cot (chain of thought, clamped to [{LabelClampBand.Low}, {LabelClampBand.High}])"),
        DefaultValueFactory = _ => "soft",
    };

    public static RunOptions Create(bool promptsRequired, double temperature = 0.8) => new(
        new Option<FileInfo?>("--prompts")
        {
            Description = "Prompt set (JSONL: {\"prompt\": ..., \"id\"?: ..., \"kind\"?: ...} per line)", Required = promptsRequired,
        },
        new Option<FileInfo?>("--constitution")
        {
            Description = "Constitution: a YAML file, or a directory of JSON files in the paper's released shapes "
                + "(default: the embedded constitutions/default.yaml)",
        },
        new Option<int>("--revisions") { Description = "Critique/revision rounds per prompt", DefaultValueFactory = _ => 2 },
        new Option<long>("--seed") { Description = "Run seed: principle choices and sampling derive from it", DefaultValueFactory = _ => 42 },
        new Option<string?>("--model")
        {
            Description = "Model id for all SL roles: builtin:demo, builtin:tiny, hf:DIR or openai:URL#NAME (default: Models:Default)",
        },
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
        var prompts = promptsFile is null ? PromptSetLoader.LoadDefault() : PromptSetLoader.OpenFile(promptsFile.FullName);
        var constitution = constitutionFile is null ? ConstitutionLoader.LoadDefault() : ConstitutionLoader.Load(constitutionFile.FullName);
        var model = parse.GetValue(Model) ?? defaultModel ?? configuration["Models:Default"] ?? "builtin:tiny";
        var sampling = new SamplingParameters(Temperature: temperature, TopP: topP, MaxNewTokens: maxNew);
        FeedbackConfiguration? feedback = null;
        if (withPairs || parse.GetValue(Pairs))
        {
            var k = parse.GetValue(PrinciplesPerLabel);
            if (k < 1 || k > constitution.Comparison.Count)
                throw new UsageException(
                    $"--principles: must be between 1 and {constitution.Comparison.Count} (the constitution's comparison principles), got {k}");
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
