//! Screenshot analysis: what the person sees, pixel by pixel.

pub struct Image {
    pub width: usize,
    pub height: usize,
    /// RGB triples, row-major.
    pub rgb: Vec<[u8; 3]>,
}

impl Image {
    pub fn from_png(bytes: &[u8]) -> anyhow::Result<Image> {
        let mut decoder = png::Decoder::new(bytes);
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info()?;
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf)?;
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks(channels)
            .map(|p| if channels >= 3 { [p[0], p[1], p[2]] } else { [p[0], p[0], p[0]] })
            .collect();
        Ok(Image { width: info.width as usize, height: info.height as usize, rgb })
    }

    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.rgb[y * self.width + x]
    }

    /// Share of all pixels within `tol` of `color`.
    pub fn share_of(&self, color: [u8; 3], tol: u8) -> f64 {
        self.rgb.iter().filter(|p| close(**p, color, tol)).count() as f64 / self.rgb.len() as f64
    }
}

pub fn close(a: [u8; 3], b: [u8; 3], tol: u8) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| x.abs_diff(*y) <= tol)
}

pub fn parse_css_rgb(s: &str) -> Option<[u8; 3]> {
    let inner = s.trim().strip_prefix("rgb(").or_else(|| s.trim().strip_prefix("rgba("))?.trim_end_matches(')');
    let mut it = inner.split(',').map(|v| v.trim().parse::<f32>().ok());
    Some([it.next()?? as u8, it.next()?? as u8, it.next()?? as u8])
}
