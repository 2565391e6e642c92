using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace TagWorker.WriteBack;

/// <summary>A face region as MWG writes it: centre and size normalised to the stored (not displayed) pixels.</summary>
public sealed record Region(string Name, string X, string Y, string W, string H)
{
    public static Region FromNormalised(string name, double x, double y, double w, double h) =>
        new(name, F(x), F(y), F(w), F(h));

    public (double X, double Y, double W, double H) Numbers => (N(X), N(Y), N(W), N(H));

    /// <summary>Overlap with another region (intersection over union of the boxes).</summary>
    public double Overlap(Region other)
    {
        var (ax, ay, aw, ah) = Numbers;
        var (bx, by, bw, bh) = other.Numbers;
        var w = Math.Min(ax + aw / 2, bx + bw / 2) - Math.Max(ax - aw / 2, bx - bw / 2);
        var h = Math.Min(ay + ah / 2, by + bh / 2) - Math.Max(ay - ah / 2, by - bh / 2);
        return w <= 0 || h <= 0 ? 0 : w * h / (aw * ah + bw * bh - w * h);
    }

    private static string F(double v) => Math.Clamp(v, 0, 1).ToString("0.######", CultureInfo.InvariantCulture);

    private static double N(string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;
}

/// <summary>
/// An XMP packet edited in place: lists of keywords, MWG and Microsoft face regions, and one date are
/// changed by editing their own RDF elements; every other byte of the packet stays as it was. XmpCore
/// (the port of Adobe's toolkit) re-serialises the whole packet: it turns tiff:Artist into dc:creator
/// unless told not to, replaces x:xmptk, and writes an empty language alternative in a form exiftool
/// misreads. Editing the tree keeps what another program wrote exactly as it wrote it. Reads every
/// RDF form readers meet: attributes or elements for simple fields, rdf:parseType="Resource" or a
/// nested rdf:Description for structures, rdf:Bag, rdf:Seq or rdf:Alt for lists.
/// </summary>
public sealed class XmpTree
{
    public static readonly XNamespace Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    public static readonly XNamespace X = "adobe:ns:meta/";
    public static readonly XNamespace Xml = "http://www.w3.org/XML/1998/namespace";
    public const string NsXmp = "http://ns.adobe.com/xap/1.0/";
    public const string NsRegions = "http://www.metadataworkinggroup.com/schemas/regions/";
    public const string NsArea = "http://ns.adobe.com/xmp/sType/Area#";
    public const string NsDim = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";
    public const string NsMp = "http://ns.microsoft.com/photo/1.2/";
    public const string NsMpri = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#";
    public const string NsMpReg = "http://ns.microsoft.com/photo/1.2/t/Region#";

    private static readonly Dictionary<string, string> Prefixes = new()
    {
        [NsXmp] = "xmp",
        [NsRegions] = "mwg-rs",
        [NsArea] = "stArea",
        [NsDim] = "stDim",
        [NsMp] = "MP",
        [NsMpri] = "MPRI",
        [NsMpReg] = "MPReg",
        ["http://purl.org/dc/elements/1.1/"] = "dc",
        ["http://ns.adobe.com/lightroom/1.0/"] = "lr",
        ["http://www.digikam.org/ns/1.0/"] = "digiKam",
        ["http://iptc.org/std/Iptc4xmpExt/2008-02-29/"] = "Iptc4xmpExt",
    };

    private readonly XDocument _document;
    private readonly bool _declaration;

    private XmpTree(XDocument document, bool declaration)
    {
        _document = document;
        _declaration = declaration;
    }

    /// <summary>Parses a packet (a sidecar, or a photo's XMP block); null or empty gives a new, empty packet.</summary>
    /// <exception cref="XmpFormatException">The packet is not well-formed XML, has a DOCTYPE, or has no
    /// RDF.</exception>
    public static XmpTree Parse(byte[]? packet)
    {
        var length = packet?.Length ?? 0;
        while (length > 0 && packet![length - 1] is 0 or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            length--; // some cameras and tools pad the packet with NUL bytes, which XML refuses
        }
        if (length == 0)
        {
            return Empty();
        }
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreWhitespace = false,
        };
        try
        {
            using var stream = new MemoryStream(packet!, 0, length);
            using var reader = XmlReader.Create(stream, settings);
            var document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
            if (document.Descendants(Rdf + "RDF").FirstOrDefault() is null)
            {
                throw new XmpFormatException("it has no rdf:RDF element");
            }
            return new XmpTree(document, document.Declaration is not null);
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw new XmpFormatException(
                "it has a DOCTYPE, which XMP does not allow and TagWorker refuses (a DOCTYPE can make a reader fetch other files)"
            );
        }
        catch (XmlException e)
        {
            throw new XmpFormatException(e.Message);
        }
    }

    private static XmpTree Empty()
    {
        var rdf = new XElement(
            Rdf + "RDF",
            new XAttribute(XNamespace.Xmlns + "rdf", Rdf.NamespaceName),
            new XElement(Rdf + "Description", new XAttribute(Rdf + "about", ""))
        );
        var meta = new XElement(
            X + "xmpmeta",
            new XAttribute(XNamespace.Xmlns + "x", X.NamespaceName),
            new XAttribute(X + "xmptk", "TagWorker"),
            rdf
        );
        return new XmpTree(
            new XDocument(
                new XProcessingInstruction("xpacket", "begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\""),
                meta,
                new XProcessingInstruction("xpacket", "end=\"w\"")
            ),
            declaration: false
        );
    }

    private XElement RdfRoot => _document.Descendants(Rdf + "RDF").First();

    private IEnumerable<XElement> Descriptions => RdfRoot.Elements(Rdf + "Description");

    /// <summary>True when the packet has any property at all.</summary>
    public bool IsEmpty =>
        !Descriptions.Any(d =>
            d.Elements().Any() || d.Attributes().Any(a => a.Name.Namespace != Rdf && !a.IsNamespaceDeclaration)
        );

    // ---- lists --------------------------------------------------------------------------------

    /// <summary>The values of a list property (every rdf:Description counted), in document order; null when it is
    /// absent.</summary>
    public List<string>? List(string ns, string name)
    {
        var properties = Properties(ns, name).ToList();
        if (properties.Count == 0)
        {
            return null;
        }
        return properties
            .SelectMany(p => p.Elements().Where(IsArray).SelectMany(a => a.Elements(Rdf + "li")).Select(Text))
            .ToList();
    }

    /// <summary>Appends a value to a list, creating it (as an rdf:Seq when <paramref name="ordered"/>, else an rdf:Bag)
    /// when absent.</summary>
    public void Add(string ns, string name, string value, bool ordered)
    {
        var array = Properties(ns, name).SelectMany(p => p.Elements().Where(IsArray)).FirstOrDefault();
        if (array is null)
        {
            var property = Property(ns, name);
            array = new XElement(Rdf + (ordered ? "Seq" : "Bag"));
            property.Add(array);
        }
        array.Add(new XElement(Rdf + "li", value));
    }

    /// <summary>Removes one item equal to <paramref name="value"/>; a list left empty goes too. True when
    /// found.</summary>
    public bool Remove(string ns, string name, string value)
    {
        foreach (var property in Properties(ns, name).ToList())
        {
            foreach (var array in property.Elements().Where(IsArray))
            {
                if (array.Elements(Rdf + "li").FirstOrDefault(li => Text(li) == value) is { } item)
                {
                    item.Remove();
                    if (!array.Elements(Rdf + "li").Any())
                    {
                        RemoveProperty(property);
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Makes a list an rdf:Seq (PhotoPrism reads dc:subject only as one; every other reader takes either);
    /// true when it was a Bag.</summary>
    public bool MakeOrdered(string ns, string name) => Retype(ns, name, "Bag", "Seq");

    /// <summary>Turns a list back into an rdf:Bag.</summary>
    public bool MakeUnordered(string ns, string name) => Retype(ns, name, "Seq", "Bag");

    private bool Retype(string ns, string name, string from, string to)
    {
        var arrays = Properties(ns, name)
            .SelectMany(p => p.Elements().Where(IsArray))
            .Where(a => a.Name == Rdf + from)
            .ToList();
        arrays.ForEach(a => a.Name = Rdf + to);
        return arrays.Count > 0;
    }

    // ---- simple properties ------------------------------------------------------------------

    public string? Simple(string ns, string name)
    {
        XName key = XName.Get(name, ns);
        foreach (var description in Descriptions)
        {
            if (description.Attribute(key) is { } attribute)
            {
                return attribute.Value;
            }
            if (description.Element(key) is { } element)
            {
                return Text(element);
            }
        }
        return null;
    }

    public void SetSimple(string ns, string name, string value)
    {
        XName key = XName.Get(name, ns);
        foreach (var description in Descriptions)
        {
            if (description.Attribute(key) is { } attribute)
            {
                attribute.Value = value;
                return;
            }
            if (description.Element(key) is { } element)
            {
                element.Value = value;
                return;
            }
        }
        Property(ns, name).Value = value;
    }

    // ---- MWG regions ---------------------------------------------------------------------

    /// <summary>The MWG face and other regions, with their names; null when the photo has none.</summary>
    public List<Region>? Regions() =>
        RegionItems(NsRegions, "Regions", NsRegions, "RegionList")?.Select(ReadRegion).ToList();

    public (int W, int H)? AppliedTo()
    {
        if (
            Properties(NsRegions, "Regions").FirstOrDefault() is not { } regions
            || Fields(regions).GetValueOrDefault(XName.Get("AppliedToDimensions", NsRegions)) is not { } dims
        )
        {
            return null;
        }
        return
            int.TryParse(FieldValue(dims, NsDim, "w"), CultureInfo.InvariantCulture, out var w)
            && int.TryParse(FieldValue(dims, NsDim, "h"), CultureInfo.InvariantCulture, out var h)
            ? (w, h)
            : null;
    }

    public void AddRegion(Region region, (int W, int H) storedSize)
    {
        var list = RegionArray(NsRegions, "Regions", NsRegions, "RegionList", regions =>
            regions.Add(
                new XElement(
                    XName.Get("AppliedToDimensions", NsRegions),
                    Resource(),
                    new XElement(XName.Get("w", NsDim), storedSize.W.ToString(CultureInfo.InvariantCulture)),
                    new XElement(XName.Get("h", NsDim), storedSize.H.ToString(CultureInfo.InvariantCulture)),
                    new XElement(XName.Get("unit", NsDim), "pixel")
                )
            )
        );
        Declare(list, NsRegions, NsArea, NsDim);
        list.Add(
            new XElement(
                Rdf + "li",
                Resource(),
                new XElement(
                    XName.Get("Area", NsRegions),
                    Resource(),
                    new XElement(XName.Get("x", NsArea), region.X),
                    new XElement(XName.Get("y", NsArea), region.Y),
                    new XElement(XName.Get("w", NsArea), region.W),
                    new XElement(XName.Get("h", NsArea), region.H),
                    new XElement(XName.Get("unit", NsArea), "normalized")
                ),
                new XElement(XName.Get("Name", NsRegions), region.Name),
                new XElement(XName.Get("Type", NsRegions), "Face")
            )
        );
    }

    public bool RemoveRegion(Region region) =>
        RemoveRegionItem(NsRegions, "Regions", NsRegions, "RegionList", item => ReadRegion(item) == region);

    private Region ReadRegion(XElement item)
    {
        var area = Fields(item).GetValueOrDefault(XName.Get("Area", NsRegions));
        return new Region(
            FieldValue(item, NsRegions, "Name"),
            FieldValue(area, NsArea, "x"),
            FieldValue(area, NsArea, "y"),
            FieldValue(area, NsArea, "w"),
            FieldValue(area, NsArea, "h")
        );
    }

    // ---- Microsoft regions (Windows Photos, Explorer) ----------------------------------------

    /// <summary>Microsoft's people regions: (name, "x, y, w, h" with x and y the top-left corner,
    /// normalised).</summary>
    public List<(string Name, string Rectangle)>? MpRegions() =>
        RegionItems(NsMp, "RegionInfo", NsMpri, "Regions")
            ?.Select(item => (FieldValue(item, NsMpReg, "PersonDisplayName"), FieldValue(item, NsMpReg, "Rectangle")))
            .ToList();

    public void AddMpRegion(string name, string rectangle)
    {
        var list = RegionArray(NsMp, "RegionInfo", NsMpri, "Regions", _ => { });
        Declare(list, NsMp, NsMpri, NsMpReg);
        list.Add(
            new XElement(
                Rdf + "li",
                Resource(),
                new XElement(XName.Get("PersonDisplayName", NsMpReg), name),
                new XElement(XName.Get("Rectangle", NsMpReg), rectangle)
            )
        );
    }

    public bool RemoveMpRegion(string name, string rectangle) =>
        RemoveRegionItem(NsMp, "RegionInfo", NsMpri, "Regions", item =>
            FieldValue(item, NsMpReg, "PersonDisplayName") == name
            && FieldValue(item, NsMpReg, "Rectangle") == rectangle
        );

    /// <summary>MWG's centre-and-size region as Microsoft's top-left rectangle.</summary>
    public static string MpRectangle(Region region)
    {
        var (x, y, w, h) = region.Numbers;
        string F(double v) => Math.Clamp(v, 0, 1).ToString("0.######", CultureInfo.InvariantCulture);
        return $"{F(x - w / 2)}, {F(y - h / 2)}, {F(w)}, {F(h)}";
    }

    // ---- output -------------------------------------------------------------------------------

    /// <summary>
    /// The packet as UTF-8 without a byte-order mark. Untouched parts keep their bytes; the XML
    /// declaration is written only when the packet had one.
    /// </summary>
    public byte[] Serialize()
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            OmitXmlDeclaration = !_declaration,
            NewLineHandling = NewLineHandling.None,
            Indent = false,
        };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            _document.Save(writer);
        }
        return stream.ToArray();
    }

    // ---- the RDF underneath -----------------------------------------------------------------

    private IEnumerable<XElement> Properties(string ns, string name) =>
        Descriptions.SelectMany(d => d.Elements(XName.Get(name, ns)));

    /// <summary>A new, empty property element in the first rdf:Description, its namespace declared there.</summary>
    private XElement Property(string ns, string name)
    {
        var description = Descriptions.FirstOrDefault() ?? AddDescription();
        Declare(description, ns);
        var property = new XElement(XName.Get(name, ns));
        description.Add(property);
        return property;
    }

    /// <summary>Declares a namespace with its usual prefix where <paramref name="inside"/> can see it (never as a
    /// default namespace).</summary>
    private static void Declare(XElement inside, params string[] namespaces)
    {
        var description = inside.AncestorsAndSelf(Rdf + "Description").LastOrDefault() ?? inside;
        foreach (var ns in namespaces)
        {
            if (description.GetPrefixOfNamespace(ns) is not null)
            {
                continue;
            }
            var prefix = Prefixes.GetValueOrDefault(
                ns,
                "ns" + Math.Abs(ns.GetHashCode(StringComparison.Ordinal)) % 1000
            );
            while (description.GetNamespaceOfPrefix(prefix) is { } taken && taken.NamespaceName != ns)
            {
                prefix += "_";
            }
            description.SetAttributeValue(XNamespace.Xmlns + prefix, ns);
        }
    }

    private XElement AddDescription()
    {
        var description = new XElement(Rdf + "Description", new XAttribute(Rdf + "about", ""));
        RdfRoot.Add(description);
        return description;
    }

    private static void RemoveProperty(XElement property)
    {
        var description = property.Parent;
        property.Remove();
        if (
            description is not null
            && description.Name == Rdf + "Description"
            && !description.Elements().Any()
            && !description.Attributes().Any(a => !a.IsNamespaceDeclaration && a.Name.Namespace != Rdf)
            && description.Parent?.Elements(Rdf + "Description").Count() > 1
        )
        {
            description.Remove(); // a description of ours left with nothing
        }
    }

    private static XAttribute Resource() => new(Rdf + "parseType", "Resource");

    private static bool IsArray(XElement element) =>
        element.Name == Rdf + "Bag" || element.Name == Rdf + "Seq" || element.Name == Rdf + "Alt";

    /// <summary>A simple value: text, rdf:resource, or an rdf:value inside a qualified value.</summary>
    private static string Text(XElement element)
    {
        if (element.Attribute(Rdf + "resource") is { } resource)
        {
            return resource.Value;
        }
        var inner = element.Element(Rdf + "Description")
            ?? (element.Attribute(Rdf + "parseType")?.Value == "Resource" ? element : null);
        if (inner?.Element(Rdf + "value") is { } value)
        {
            return value.Value;
        }
        if (inner?.Attribute(Rdf + "value") is { } valueAttribute)
        {
            return valueAttribute.Value;
        }
        return element.Value;
    }

    /// <summary>
    /// A structure's fields by name: attributes of the node (or of its rdf:Description), and child
    /// elements of a parseType="Resource" node or of its rdf:Description. Attribute fields map to null.
    /// </summary>
    private static Dictionary<XName, XElement?> Fields(XElement node)
    {
        var fields = new Dictionary<XName, XElement?>();
        foreach (var holder in Holders(node))
        {
            foreach (
                var attribute in holder
                    .Attributes()
                    .Where(a => !a.IsNamespaceDeclaration && a.Name.Namespace != Rdf && a.Name.Namespace != Xml)
            )
            {
                fields.TryAdd(attribute.Name, null);
            }
            if (holder != node || node.Attribute(Rdf + "parseType")?.Value == "Resource")
            {
                foreach (var child in holder.Elements().Where(e => e.Name.Namespace != Rdf))
                {
                    fields.TryAdd(child.Name, child);
                }
            }
        }
        return fields;
    }

    private static IEnumerable<XElement> Holders(XElement node)
    {
        yield return node;
        if (node.Element(Rdf + "Description") is { } description)
        {
            yield return description;
        }
    }

    /// <summary>A simple field of a structure, written as an attribute or as an element; "" when absent.</summary>
    private static string FieldValue(XElement? node, string ns, string name)
    {
        if (node is null)
        {
            return "";
        }
        var key = XName.Get(name, ns);
        foreach (var holder in Holders(node))
        {
            if (holder.Attribute(key) is { } attribute)
            {
                return attribute.Value;
            }
        }
        return Fields(node).TryGetValue(key, out var element) && element is not null ? Text(element) : "";
    }

    /// <summary>The items of a list field of a structure property (Regions/RegionList), or null when the property is
    /// absent.</summary>
    private List<XElement>? RegionItems(string ns, string name, string listNs, string listName)
    {
        var properties = Properties(ns, name).ToList();
        if (properties.Count == 0)
        {
            return null;
        }
        return properties
            .Select(p => Fields(p).GetValueOrDefault(XName.Get(listName, listNs)))
            .Where(list => list is not null)
            .SelectMany(list => list!.Elements().Where(IsArray).SelectMany(a => a.Elements(Rdf + "li")))
            .ToList();
    }

    /// <summary>The list element of a structure's list field, creating the structure and the list as needed.</summary>
    private XElement RegionArray(string ns, string name, string listNs, string listName, Action<XElement> initialise)
    {
        var property = Properties(ns, name).FirstOrDefault();
        if (property is null)
        {
            property = Property(ns, name);
            property.Add(Resource());
            initialise(property);
        }
        var listField = Fields(property).GetValueOrDefault(XName.Get(listName, listNs));
        if (listField is null)
        {
            // Fields go where the structure keeps its elements: itself (parseType="Resource") or its rdf:Description.
            var holder =
                property.Attribute(Rdf + "parseType")?.Value == "Resource"
                    ? property
                    : property.Element(Rdf + "Description") ?? AddResource(property);
            listField = new XElement(XName.Get(listName, listNs));
            holder.Add(listField);
        }
        var array = listField.Elements().FirstOrDefault(IsArray);
        if (array is null)
        {
            array = new XElement(Rdf + "Bag");
            listField.Add(array);
        }
        return array;
    }

    private static XElement AddResource(XElement property)
    {
        property.Add(Resource());
        return property;
    }

    private bool RemoveRegionItem(string ns, string name, string listNs, string listName, Func<XElement, bool> match)
    {
        var item = RegionItems(ns, name, listNs, listName)?.FirstOrDefault(match);
        if (item is null)
        {
            return false;
        }
        var array = item.Parent!;
        item.Remove();
        if (!array.Elements(Rdf + "li").Any())
        {
            // No region left: the whole structure goes (its dimensions mean nothing without regions).
            var property = array.Ancestors().First(a => a.Name == XName.Get(name, ns));
            RemoveProperty(property);
        }
        return true;
    }
}

public sealed class XmpFormatException(string message) : Exception(message);
