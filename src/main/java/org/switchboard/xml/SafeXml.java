package org.switchboard.xml;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.EntityResolver;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * XML from the network, parsed so that it cannot hurt: no DOCTYPE at all (so no entity expansion and
 * no external DTD), no external entities or schemas, no XInclude, the JDK's secure-processing limits,
 * and a size limit checked before parsing starts.
 */
public final class SafeXml {

    private static final DocumentBuilderFactory FACTORY = hardenedFactory();
    /**
     * One builder per thread, reset after each document: making a builder (the parser's whole configuration) cost more
     * than parsing a presence document (JFR of {@code bench/views notify}: ~13% of the presence delivery threads' time).
     */
    private static final ThreadLocal<DocumentBuilder> BUILDERS = ThreadLocal.withInitial(SafeXml::newBuilder);
    private static final EntityResolver REFUSING = (publicId, systemId) -> {
        throw new SAXException("external entities are refused");
    };
    private static final ErrorHandler THROWING = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    private SafeXml() {
    }

    /**
     * Parses {@code text} into a namespace-aware DOM.
     *
     * @throws XmlRefusedException when the text is longer than {@code maxChars}, declares a DOCTYPE,
     *                             or is not well-formed
     */
    public static Document parse(String text, int maxChars) {
        if (text.length() > maxChars) {
            throw new XmlRefusedException("the document has " + text.length() + " characters, more than the limit of " + maxChars);
        }
        DocumentBuilder builder = BUILDERS.get();
        try {
            // reset() gives back the factory's settings but not these two: set them for every document
            builder.setErrorHandler(THROWING);
            builder.setEntityResolver(REFUSING);
            return builder.parse(new InputSource(new StringReader(text)));
        } catch (SAXParseException e) {
            throw new XmlRefusedException(describe(e), e);
        } catch (SAXException | IOException e) {
            throw new XmlRefusedException(String.valueOf(e.getMessage()), e);
        } finally {
            builder.reset();
        }
    }

    /** One element, with the namespace declarations it needs, as standalone text. */
    public static String serialize(Element element) {
        try {
            TransformerFactory factory = TransformerFactory.newInstance();
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer transformer = factory.newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(element), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new XmlRefusedException("cannot write the element back out: " + e.getMessage(), e);
        }
    }

    private static String describe(SAXParseException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("DOCTYPE")) {
            return "a DOCTYPE is refused (no DTDs or entities are accepted)";
        }
        return "not well-formed XML at line " + e.getLineNumber() + ", column " + e.getColumnNumber() + ": " + message;
    }

    private static DocumentBuilder newBuilder() {
        try {
            synchronized (FACTORY) {
                return FACTORY.newDocumentBuilder();
            }
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a hardening feature", e);
        }
    }

    private static DocumentBuilderFactory hardenedFactory() {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        try {
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a hardening feature", e);
        }
        return factory;
    }
}
