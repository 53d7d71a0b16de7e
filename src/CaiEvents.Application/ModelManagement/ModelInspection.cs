using System.Security.Cryptography;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Gguf;
using CaiEvents.Models.Tokenization;

namespace CaiEvents.Application.ModelManagement;

/// <summary>
/// <c>cai model inspect</c>: a model's architecture, size, dtype, context, chat template, special tokens and checkpoint hash.
/// Local models (<c>hf:DIR</c>, <c>builtin:*</c>) are loaded on the CPU in float32; a <c>gguf:FILE</c> is read from its header
/// alone (llama.cpp is not started). A synthetic model (builtin:echo) has no weights: architecture "synthetic", no dtype or context.
/// </summary>
public static class ModelInspection
{
    /// <exception cref="UsageException">An unknown model id or a builtin model that is not there.</exception>
    /// <exception cref="CheckpointFormatException">A missing or malformed checkpoint or file.</exception>
    /// <exception cref="ChatTemplateException">A chat template of no known family.</exception>
    public static ModelInspectionResult Inspect(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (modelId.StartsWith(LlamaCppTextModel.Scheme, StringComparison.Ordinal)) return InspectGguf(modelId);
        ITextModel model;
        try
        {
            model = ModelCatalog.Load(modelId, ModelOptions.Cpu);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"model '{modelId}': {e.Message}");
        }
        using (model)
        {
            return model is LocalTextModel local ? InspectLocal(modelId, local)
                : new ModelInspectionResult(modelId, "synthetic", 0, null, null, false, model.ChatTemplate?.Family,
                    model.ChatTemplate?.Sha256[..16], [], model.Identity.CheckpointHash);
        }
    }

    private static ModelInspectionResult InspectLocal(string modelId, LocalTextModel model)
    {
        var network = model.Network;
        var tokenizer = model.Tokenizer;
        var tokens = new List<SpecialTokenInfo>();
        void Add(string role, int? id)
        {
            if (id is { } value) tokens.Add(new SpecialTokenInfo(role, value, value < tokenizer.VocabCount ? tokenizer.Decode([value]) : null));
        }
        var hf = tokenizer as HfTokenizer;
        // bos as the tokenizer declares it (GGUF keeps the same id), whether or not it is put in front of prompts.
        Add("bos", hf?.Config.BosToken is { } bosText ? hf.TokenToId(bosText) : tokenizer.BeginOfTextId);
        Add("eos", tokenizer.EndOfTextId);
        Add("pad", hf?.Config.PadToken is { } padText ? hf.TokenToId(padText) : null);
        foreach (var stop in tokenizer.StopIds.Where(s => s != tokenizer.EndOfTextId).Order()) Add("stop", stop);
        var parameters = network.parameters().Sum(p => p.numel());
        return new ModelInspectionResult(modelId, model.Architecture.Name, parameters, network.DType.ToString().ToLowerInvariant(),
            network.ContextLength, tokenizer.BeginOfTextId is not null, model.ChatTemplate?.Family, model.ChatTemplate?.Sha256[..16], tokens,
            model.Identity.CheckpointHash, model.Identity.Adapter?.BaseCheckpointHash, model.Identity.Adapter?.AdapterSha256);
    }

    private static ModelInspectionResult InspectGguf(string modelId)
    {
        var path = modelId[LlamaCppTextModel.Scheme.Length..];
        var file = GgufReader.ReadHeader(path);
        var metadata = file.Metadata;
        var architecture = metadata.TryGetValue("general.architecture", out var a) && a.Type == GgufValueType.String ? a.AsString()
            : throw new CheckpointFormatException(path, null, "no general.architecture in the GGUF metadata");
        int? context = metadata.TryGetValue($"{architecture}.context_length", out var c) ? (int)c.AsInteger() : null;
        var fileType = metadata.TryGetValue("general.file_type", out var t) ? t.AsInteger() switch
        {
            (long)GgufFileType.F32 => "f32",
            (long)GgufFileType.F16 => "f16",
            var other => $"file type {other}",
        } : "unknown";
        var tokens = new List<SpecialTokenInfo>();
        foreach (var (role, key) in new[] { ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("pad", "padding_token_id") })
        {
            var idKey = $"tokenizer.ggml.{key}";
            if (metadata.TryGetValue(idKey, out var id)) tokens.Add(new SpecialTokenInfo(role, (int)id.AsInteger(), GgufChatTemplate.TokenText(file, idKey)));
        }
        var addsBos = metadata.TryGetValue("tokenizer.ggml.add_bos_token", out var addBos) && addBos.Value is true;
        var template = GgufChatTemplate.From(file);
        string sha;
        using (var stream = File.OpenRead(path)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ModelInspectionResult(modelId, architecture, file.Tensors.Sum(x => x.ElementCount), fileType, context, addsBos, template?.Family,
            template?.Sha256[..16], tokens, sha);
    }
}
