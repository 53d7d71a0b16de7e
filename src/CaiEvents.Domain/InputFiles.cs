using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace CaiEvents.Domain;

/// <summary>Reading user files and embedded defaults, turning I/O and encoding problems into <see cref="InputException"/>.</summary>
internal static class InputFiles
{
    /// <summary>Strict UTF-8: invalid bytes throw instead of becoming U+FFFD.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal static byte[] ReadAllBytes(string path) => Reading(path, () => File.ReadAllBytes(path));

    /// <summary>
    /// Runs <paramref name="read"/> on an existing file, turning a missing file, a directory or an I/O failure into an
    /// <see cref="InputException"/> naming the path.
    /// </summary>
    internal static T Reading<T>(string path, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(read);
        if (Directory.Exists(path))
        {
            throw new InputException(path, null, "is a directory, not a file");
        }

        if (!File.Exists(path))
        {
            throw new InputException(path, null, "file not found");
        }

        try
        {
            return read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, null, "cannot read file: " + ex.Message);
        }
    }

    internal static byte[] ReadEmbedded(string resourceName)
    {
        using Stream stream = typeof(InputFiles).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{resourceName}' is missing from {typeof(InputFiles).Assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    internal static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MemoryStream ms && ms.Position == 0)
        {
            return ms.ToArray();
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Length of a leading UTF-8 byte order mark (0 or 3).</summary>
    internal static int BomLength(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;

    /// <summary>
    /// Decodes one chunk (a line, or a whole file) strictly. On invalid UTF-8 throws an <see cref="InputException"/>
    /// naming <paramref name="line"/> (or the line computed from the chunk when <paramref name="line"/> is null).
    /// </summary>
    internal static string DecodeStrict(ReadOnlySpan<byte> bytes, string source, int? line)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            char[] scratch = new char[bytes.Length];
            Utf8.ToUtf16(bytes, scratch, out int bytesRead, out _, replaceInvalidSequences: false);
            int reportLine;
            int column;
            if (line is { } l)
            {
                reportLine = l;
                column = bytesRead;
            }
            else
            {
                ReadOnlySpan<byte> before = bytes[..bytesRead];
                reportLine = before.Count((byte)'\n') + 1;
                column = bytesRead - (before.LastIndexOf((byte)'\n') + 1);
            }

            throw new InputException(source, reportLine, string.Create(CultureInfo.InvariantCulture,
                $"invalid UTF-8 (byte 0x{bytes[bytesRead]:X2} at byte offset {column} in the line)"));
        }
    }

    /// <summary>Decodes a whole file strictly, dropping a leading byte order mark.</summary>
    internal static string DecodeStrictFile(byte[] bytes, string source)
    {
        int bom = BomLength(bytes);
        return DecodeStrict(bytes.AsSpan(bom), source, null);
    }
}
