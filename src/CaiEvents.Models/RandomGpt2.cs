using CaiEvents.Models.Tokenization;

namespace CaiEvents.Models;

/// <summary>The GPT-2 case of <see cref="RandomCheckpoints"/>: a byte-level BPE vocabulary learned from the tokenizer training page.</summary>
internal static class RandomGpt2
{
    private const int VocabularySize = 512;

    public static string Write(string directory, string shape, long seed)
    {
        var bpe = BpeTrainer.Train(TokenizerFiles.TrainingLines(), new BpeTrainerOptions(VocabSize: VocabularySize));
        var tokenizer = Gpt2Tokenizer.FromText(bpe.VocabJson(), bpe.MergesText(), "training page vocabulary");
        var config = shape == Llama.LlamaShapes.Tiny
            ? ModelCatalog.TinyConfig with { VocabSize = tokenizer.VocabCount, BosTokenId = tokenizer.EndOfTextId, EosTokenId = tokenizer.EndOfTextId }
            // GPT-2 small (124 M): 12 layers of width 768, 12 heads, 1024 positions, its 50257-row embedding.
            : new Gpt2Config(VocabSize: 50257, NPositions: 1024, NEmbd: 768, NLayer: 12, NHead: 12,
                BosTokenId: tokenizer.EndOfTextId, EosTokenId: tokenizer.EndOfTextId, ResidPdrop: 0, EmbdPdrop: 0, AttnPdrop: 0);
        using var model = Gpt2Architecture.CreateRandom("random:gpt2", config, tokenizer, ModelOptions.Cpu with { Seed = seed });
        model.Save(directory);
        return model.Identity.CheckpointHash;
    }
}
