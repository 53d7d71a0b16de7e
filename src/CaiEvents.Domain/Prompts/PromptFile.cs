using System.Buffers;

namespace CaiEvents.Domain.Prompts;

/// <summary>
/// A prompt file as a list that does not hold its prompts: opening it reads the file once, validating every line as
/// <see cref="PromptSetLoader.LoadFile"/> does (so bad input is refused before anything is written), and keeps only where
/// each prompt's line starts and ends (16 bytes a prompt). A prompt is parsed again from the file when it is asked for,
/// <see cref="BlockSize"/> lines at a time, so a run's submission walks the file with memory independent of its size.
/// A file that changes after it was opened is refused when next read, never mixed with what was validated.
/// </summary>
public sealed class PromptFile : IReadOnlyList<PromptRecord>
{
    /// <summary>Prompts parsed per read of the file; the submission's chunks go through them in order.</summary>
    public const int BlockSize = 1024;

    private readonly string _path;
    private readonly long[] _offsets;
    private readonly int[] _lengths;
    private readonly int[] _lineNumbers;
    private readonly (long Length, DateTime Written) _stamp;
    private readonly Func<string, string, int, PromptRecord> _parseLine;
    private readonly Lock _gate = new();
    private (int First, PromptRecord[] Prompts) _block = (0, []);

    internal PromptFile(string path, Func<string, string, int, PromptRecord> parseLine)
    {
        _path = path;
        _parseLine = parseLine;
        var (offsets, lengths, lines) = (new List<long>(), new List<int>(), new List<int>());
        _stamp = InputFiles.Reading(path, () =>
        {
            var stamp = Stamp(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            JsonLines.Scan(stream, path, "prompts", (line, number) => parseLine(line, path, number), r => r.Id, (_, raw) =>
            {
                offsets.Add(raw.Offset);
                lengths.Add(raw.Bytes.Length);
                lines.Add(raw.Number);
            });
            return stamp;
        });
        (_offsets, _lengths, _lineNumbers) = (offsets.ToArray(), lengths.ToArray(), lines.ToArray());
    }

    public int Count => _offsets.Length;

    public PromptRecord this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            lock (_gate)
            {
                if (index < _block.First || index >= _block.First + _block.Prompts.Length)
                    _block = (index / BlockSize * BlockSize, ReadBlock(index / BlockSize * BlockSize));
                return _block.Prompts[index - _block.First];
            }
        }
    }

    public IEnumerator<PromptRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Prompts [first, first + <see cref="BlockSize"/>) from one read of the file's bytes that hold them.</summary>
    private PromptRecord[] ReadBlock(int first)
    {
        var last = Math.Min(first + BlockSize, Count) - 1;
        return InputFiles.Reading(_path, () =>
        {
            if (Stamp(_path) != _stamp) throw Changed();
            var start = _offsets[first];
            var length = checked((int)(_offsets[last] + _lengths[last] - start));
            // Pooled: a block is ~100 kB, and fresh arrays of that size would pile up on the large-object heap until a full GC.
            var bytes = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                using (var handle = File.OpenHandle(_path))
                {
                    var read = 0;
                    while (read < length)
                    {
                        var n = RandomAccess.Read(handle, bytes.AsSpan(read, length - read), start + read);
                        if (n == 0) throw Changed();
                        read += n;
                    }
                }
                var prompts = new PromptRecord[last - first + 1];
                for (var i = first; i <= last; i++)
                {
                    var line = InputFiles.DecodeStrict(bytes.AsSpan((int)(_offsets[i] - start), _lengths[i]), _path, _lineNumbers[i]);
                    prompts[i - first] = _parseLine(line, _path, _lineNumbers[i]);
                }
                return prompts;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        });
    }

    private InputException Changed() => new(_path, null, "the file changed while its prompts were being submitted; submit it again");

    private static (long, DateTime) Stamp(string path)
    {
        var info = new FileInfo(path);
        return (info.Length, info.LastWriteTimeUtc);
    }
}
