namespace CaiEvents.Domain;

/// <summary>
/// Splits a stream into lines without reading it whole: a leading UTF-8 byte order mark is skipped, lines end at
/// <c>\n</c> with an optional <c>\r</c> before it, a last line without a line end counts. Each line's bytes are valid only
/// until the next one is read. Memory is the longest line, whatever the file's size.
/// </summary>
internal static class JsonLineReader
{
    private const int InitialBuffer = 1 << 16;

    internal static IEnumerable<RawLine> Lines(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[InitialBuffer];
        int start = 0, end = 0, number = 0;
        long bufferOffset = 0; // file offset of buffer[0]
        var eof = false;
        while (end < 3 && !eof)
        {
            var read = stream.Read(buffer, end, buffer.Length - end);
            eof = read == 0;
            end += read;
        }
        start = InputFiles.BomLength(buffer.AsSpan(0, end));
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                // Keep the unfinished line, growing the buffer when that line fills it, then read more.
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    bufferOffset += start;
                    (end, start) = (end - start, 0);
                }
                if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var more = stream.Read(buffer, end, buffer.Length - end);
                eof = more == 0;
                end += more;
                continue;
            }
            if (newline < 0 && start == end) yield break;
            var length = newline < 0 ? end - start : newline;
            var lineLength = length > 0 && buffer[start + length - 1] == (byte)'\r' ? length - 1 : length;
            yield return new RawLine(++number, bufferOffset + start, buffer.AsMemory(start, lineLength));
            start += newline < 0 ? length : length + 1;
        }
    }
}
