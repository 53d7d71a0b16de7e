using System.Diagnostics;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// Trains a GPT-2 style byte-level BPE vocabulary. Text is cut around special tokens, split with the GPT-2
/// pattern and counted per distinct word; starting from the 256 single-byte tokens (ids 0–255 = the byte
/// values), the most frequent adjacent pair across all words (weighted by word count) is merged, again and
/// again, until the vocabulary reaches the target size. Ties go to the pair whose left token id, then right
/// token id, is smallest, so a run is fully deterministic. Merged tokens get ids 256, 257, … in merge order;
/// special tokens come last.
/// Pair counts are kept up to date incrementally: a merge only revisits the words that contain the merged
/// pair, and a max-heap with lazy deletion finds the next best pair.
/// </summary>
public static class BpeTrainer
{
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, BpeTrainerOptions? options = null) =>
        Train(texts, options ?? new BpeTrainerOptions(), out _);

    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, BpeTrainerOptions options, out BpeTrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> specials = options.SpecialTokens ?? [ByteLevel.EndOfText];
        int targetMerges = options.VocabSize - 256 - specials.Count;
        if (targetMerges < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.VocabSize, "Vocabulary size must cover the 256 byte tokens and the special tokens.");
        }

        var clock = Stopwatch.StartNew();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long totalWords = 0;
        foreach (string text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            foreach (var (piece, isSpecial) in ByteLevel.SplitSpecial(text, specials))
            {
                if (isSpecial) continue;
                foreach (string word in ByteLevel.PreTokenize(piece))
                {
                    counts[word] = counts.GetValueOrDefault(word) + 1;
                    totalWords++;
                }
            }
        }
        TimeSpan countTime = clock.Elapsed;

        // Distinct words in ordinal order, so nothing depends on hash-table iteration order.
        string[] distinct = counts.Keys.Order(StringComparer.Ordinal).ToArray();
        var words = new int[distinct.Length][];
        var wordLength = new int[distinct.Length];
        var freq = new long[distinct.Length];
        for (int w = 0; w < distinct.Length; w++)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(distinct[w]);
            words[w] = bytes.Select(b => (int)b).ToArray();
            wordLength[w] = bytes.Length;
            freq[w] = counts[distinct[w]];
        }

        var pairCount = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, List<int>>();
        for (int w = 0; w < words.Length; w++)
        {
            AddPairs(w, +1);
        }

        var heap = new PriorityQueue<long, (long Count, long Key)>(Comparer<(long Count, long Key)>.Create(
            static (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Key.CompareTo(y.Key)));
        foreach (var (key, c) in pairCount) heap.Enqueue(key, (c, key));

        // Token strings (byte-level characters) by id.
        var tokens = new List<string>(options.VocabSize);
        for (int b = 0; b < 256; b++) tokens.Add(ByteLevel.ByteToChar((byte)b).ToString());
        var mergeList = new List<(string, string)>(targetMerges);
        var touched = new HashSet<long>();

        clock.Restart();
        while (mergeList.Count < targetMerges && heap.TryDequeue(out long best, out var prio))
        {
            if (!pairCount.TryGetValue(best, out long current) || current != prio.Count) continue; // stale entry
            if (current < options.MinPairCount) break;

            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            int merged = tokens.Count;
            tokens.Add(tokens[left] + tokens[right]);
            mergeList.Add((tokens[left], tokens[right]));

            touched.Clear();
            List<int> holders = pairWords[best];
            pairWords.Remove(best);
            foreach (int w in holders)
            {
                // A holder list may name a word twice, or name one that no longer has the pair: skip those.
                if (!Contains(w, left, right)) continue;
                AddPairs(w, -1, touched);
                MergeInWord(w, left, right, merged);
                AddPairs(w, +1, touched);
            }
            foreach (long key in touched)
            {
                if (pairCount.TryGetValue(key, out long c)) heap.Enqueue(key, (c, key));
            }
        }
        TimeSpan mergeTime = clock.Elapsed;

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++) vocabulary.Add(tokens[id], id);
        foreach (string s in specials)
        {
            if (!vocabulary.TryAdd(s, vocabulary.Count))
            {
                throw new InvalidOperationException($"Special token '{s}' collides with a learned token.");
            }
        }

        report = new BpeTrainingReport(vocabulary.Count, mergeList.Count, distinct.Length, totalWords, countTime, mergeTime);
        return new ByteLevelBpeTokenizer(vocabulary, mergeList, specials);

        void AddPairs(int w, int sign, HashSet<long>? changed = null)
        {
            int[] sym = words[w];
            int n = wordLength[w];
            for (int i = 0; i + 1 < n; i++)
            {
                long key = Key(sym[i], sym[i + 1]);
                long c = pairCount.GetValueOrDefault(key) + sign * freq[w];
                if (c == 0) pairCount.Remove(key); else pairCount[key] = c;
                changed?.Add(key);
                if (sign > 0)
                {
                    if (!pairWords.TryGetValue(key, out var list)) pairWords[key] = list = [];
                    if (list.Count == 0 || list[^1] != w) list.Add(w);
                }
            }
        }

        bool Contains(int w, int left, int right)
        {
            int[] sym = words[w];
            for (int i = 0; i + 1 < wordLength[w]; i++)
            {
                if (sym[i] == left && sym[i + 1] == right) return true;
            }
            return false;
        }

        void MergeInWord(int w, int left, int right, int merged)
        {
            int[] sym = words[w];
            int n = wordLength[w], o = 0;
            for (int i = 0; i < n; i++)
            {
                if (i + 1 < n && sym[i] == left && sym[i + 1] == right)
                {
                    sym[o++] = merged;
                    i++;
                }
                else
                {
                    sym[o++] = sym[i];
                }
            }
            wordLength[w] = o;
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
