import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { LiveAnnouncerProvider } from './shared/components/LiveAnnouncer';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LiveAnnouncerProvider>
      <App />
    </LiveAnnouncerProvider>
  </StrictMode>,
);
