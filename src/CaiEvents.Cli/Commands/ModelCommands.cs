using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Evaluation;
using CaiEvents.Application.ModelManagement;
using CaiEvents.Cli.Rendering;
using CaiEvents.Models.Comparison;
using CaiEvents.Models.Demo;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai model train-demo|eval-labels|init|convert|inspect|compare|probe|merge</c>.</summary>
public static class ModelCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>For init/convert/inspect/compare: token texts and prompts stay readable (&lt;|im_end|&gt;, emoji, CJK), not \u-escaped.</summary>
    private static readonly JsonSerializerOptions ReadableJson = new(Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The demo corpus is built from the embedded constitution's own requests and comparison questions.</summary>

    public static Command Model()
    {
        var force = new Option<bool>("--force") { Description = "Retrain even if the cached model matches the recipe" };
        var trainDemo = new Command("train-demo",
            "Train builtin:demo on the synthetic corpus (cached; rebuilt when the recipe changes); prints its report as JSON.") { force };
        trainDemo.SetAction((parse, ct) =>
        {
            var report = DemoModelSetup.Ensure(parse.GetValue(force), new ConsoleDemoModelTrainingObserver(), ct);
            Console.WriteLine(JsonSerializer.Serialize(report, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        var evalModel = new Option<string>("--model") { Description = "Feedback model to evaluate", DefaultValueFactory = _ => DemoModel.ModelId };
        var principles = new Option<int>("--principles") { Description = "Comparison principles per label", DefaultValueFactory = _ => 2 };
        var evalLabels = new Command("eval-labels",
            "How often the Labeller's computation (K principles × both orders) prefers the harmless answer of the demo corpus's held-out comparisons "
            + "(one JSON line).") { evalModel, principles };
        evalLabels.SetAction(async (parse, ct) =>
        {
            var result = await LabelEvaluation.EvaluateAsync(parse.GetValue(evalModel)!, parse.GetValue(principles), new ConsoleDemoModelTrainingObserver(),
                ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                eval = "labels", model = result.Model, principles_per_label = result.PrinciplesPerLabel, orders = 2, items = result.Items,
                harmless_preferred_rate = result.HarmlessPreferredRate, mean_p_harmless = result.MeanPHarmless,
            }, Json));
            return Cli.ExitOk;
        });
        return new Command("model", "Model management.") { trainDemo, evalLabels, Init(), Convert(), Inspect(), Compare(), Probe(), Merge() };
    }

    private static Command Init()
    {
        var arch = new Option<string>("--arch")
        {
            Description = "Architecture (config.json's model_type): llama, mistral, qwen2, qwen3 or gpt2", Required = true,
        };
        var size = new Option<string>("--size") { Description = "tiny (for tests) or small (about SmolLM2-135M's shape)", Required = true };
        var output = new Option<string>("--out") { Description = "Directory to write the checkpoint into (new or empty)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights: same seed, same bytes", DefaultValueFactory = _ => 0 };
        var template = new Option<string?>("--chat-template")
        {
            Description = "Write this family's chat template into tokenizer_config.json (llama3, chatml, mistral, gemma, phi3, zephyr)",
        };
        var force = new Option<bool>("--force") { Description = "Write into a directory that is not empty (files of the same names are replaced)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the directory and the checkpoint sha256" };
        var command = new Command("init", "Write a randomly initialised checkpoint in the Hugging Face layout (weights, config, tokenizer files); "
            + "prints its directory and checkpoint sha256.") { arch, size, output, seed, template, force, json };
        command.SetAction(parse =>
        {
            var result = CheckpointInitialisation.Write(parse.GetValue(output)!, parse.GetValue(arch)!, parse.GetValue(size)!, parse.GetValue(seed),
                parse.GetValue(template), parse.GetValue(force));
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
            else
            {
                Console.WriteLine(result.Directory);
                Console.WriteLine(result.Sha256);
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Convert()
    {
        var to = new Option<string>("--to") { Description = "Target format: gguf", Required = true };
        var input = new Option<string>("--in") { Description = "Hugging Face checkpoint directory", Required = true };
        var output = new Option<string>("--out") { Description = "File to write (replaced atomically)", Required = true };
        var type = new Option<string>("--type") { Description = "f32 or f16 (matrices; norms and biases stay f32)", DefaultValueFactory = _ => "f32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the file and its sha256" };
        var command = new Command("convert", "Convert a Hugging Face checkpoint to GGUF (llama.cpp's format); prints the file and its sha256.")
        {
            to, input, output, type, json,
        };
        command.SetAction(parse =>
        {
            var result = GgufConversion.Convert(parse.GetValue(to)!, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(type)!);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
            else
            {
                Console.WriteLine(result.File);
                Console.WriteLine(result.Sha256);
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Inspect()
    {
        var model = new Argument<string>("model") { Description = "Model id: hf:DIR, builtin:demo, builtin:tiny, builtin:echo or gguf:FILE" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("inspect",
            "Architecture, parameters, dtype, context length, chat template, special tokens and checkpoint sha256 of a model.") { model, json };
        command.SetAction(parse =>
        {
            var result = ModelInspection.Inspect(parse.GetValue(model)!);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
                return Cli.ExitOk;
            }
            Console.WriteLine($"model:           {result.Model}");
            Console.WriteLine($"architecture:    {result.Architecture}");
            Console.WriteLine($"parameters:      {result.Parameters:N0}");
            Console.WriteLine($"dtype:           {result.DType ?? "-"}");
            Console.WriteLine($"context length:  {result.ContextLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
            Console.WriteLine($"chat template:   {(result.ChatTemplate is null ? "none" : $"{result.ChatTemplate} (sha256 {result.ChatTemplateSha256})")}");
            Console.WriteLine($"adds bos:        {(result.AddsBos ? "yes" : "no")}");
            foreach (var token in result.SpecialTokens)
                Console.WriteLine($"{token.Role + ":",-16} {token.Id} {JsonSerializer.Serialize(token.Text, ReadableJson)}");
            Console.WriteLine($"checkpoint:      {result.CheckpointSha256}");
            if (result.BaseSha256 is not null) Console.WriteLine($"base:            {result.BaseSha256}");
            if (result.AdapterSha256 is not null) Console.WriteLine($"adapter:         {result.AdapterSha256}");
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Probe()
    {
        var model = new Argument<string>("model") { Description = "Model id: openai:URL#NAME (asks the server), or a local hf:DIR, builtin:* or gguf:FILE" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("probe", "Which of chat, completions, echo/prompt log-probs, top log-probs (how many), seed and prefill a model offers, "
            + "with its server's /models entry.") { model, json };
        command.SetAction(async (parse, ct) =>
        {
            var options = Hosting.ModelConfiguration.Options(Cli.Configuration()).Remote;
            var result = await ModelProbe.ProbeAsync(parse.GetValue(model)!, options, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
                return Cli.ExitOk;
            }
            ModelProbeView.Write(result);
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Compare()
    {
        var modelA = new Argument<string>("model-a") { Description = "First model: hf:DIR, builtin:demo, builtin:tiny or gguf:FILE" };
        var modelB = new Argument<string>("model-b") { Description = "Second model, with the same weights and vocabulary" };
        var prompts = new Option<string?>("--prompts") { Description = "UTF-8 file with one prompt per line (default: built-in lines incl. hard text)" };
        var greedy = new Option<int>("--greedy-tokens")
        {
            Description = "Greedy tokens generated per prompt by each model", DefaultValueFactory = _ => ModelComparison.DefaultGreedyTokens,
        };
        var json = new Option<bool>("--json") { Description = "Print the whole comparison (per prompt) as one JSON object" };
        var command = new Command("compare", "Run two implementations of the same weights (TorchSharp float32 on CPU, llama.cpp for gguf:) on the same "
            + "token ids: max |Δlogit|, greedy agreement, token-id agreement.") { modelA, modelB, prompts, greedy, json };
        command.SetAction((parse, ct) =>
        {
            var result = ModelParityComparison.Compare(parse.GetValue(modelA)!, parse.GetValue(modelB)!, parse.GetValue(prompts), parse.GetValue(greedy), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
                return Task.FromResult(Cli.ExitOk);
            }
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(invariant, $"max |Δlogit|:     {result.MaxAbsLogitDifference:G3}"));
            Console.WriteLine(string.Create(invariant, $"greedy agreement: {result.GreedyAgreement:P1} of {result.GreedyTokens} tokens × "
                + $"{result.Prompts.Count} prompts ({(result.AllGreedyIdentical ? "identical" : "different")})"));
            Console.WriteLine($"token ids:        {(result.AllTokenIdsEqual ? "equal" : "different")} on {result.Prompts.Count} prompts");
            return Task.FromResult(Cli.ExitOk);
        });
        return command;
    }

    private static Command Merge()
    {
        var adapter = new Option<string>("--adapter") { Description = "PEFT LoRA adapter directory (adapter_config.json names its base)", Required = true };
        var output = new Option<string>("--out") { Description = "Directory to write the merged checkpoint into (new or empty)", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the directory and the checkpoint sha256" };
        var command = new Command("merge",
            "Fold a LoRA adapter into its base model and write a full checkpoint in the base's layout; prints its directory and sha256.")
        {
            adapter, output, json,
        };
        command.SetAction(parse =>
        {
            var result = AdapterMerge.Merge(parse.GetValue(adapter)!, parse.GetValue(output)!);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(result, ReadableJson));
            else
            {
                Console.WriteLine(result.Directory);
                Console.WriteLine(result.Sha256);
            }
            return Cli.ExitOk;
        });
        return command;
    }
}
